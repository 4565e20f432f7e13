"""Initial assessments during induction: where each record is, stored per subject, and the Induction board."""
