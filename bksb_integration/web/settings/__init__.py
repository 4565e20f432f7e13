"""Integrations > bksb: the settings, mappings and the summary page."""
