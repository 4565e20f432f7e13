"""Levels at a glance: the levels summary kept with the results, tags, funding flags, cohort queries, reports and the
levels export, with their screens in levels/views/. Services may import api, models and config.
"""
