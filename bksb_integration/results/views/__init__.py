"""The learner list's pieces that read stored sessions: the Rushed assessments filter."""
