"""Tests of bksb_integration.sync: downloads, runs, the request budget."""
