"""The induction screens."""
