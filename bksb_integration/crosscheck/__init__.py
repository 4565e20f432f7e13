"""The ILR cross-check: every contradiction between the ILR's records and aims, bksb's results and the funding
rules, before the ILR is submitted. rules.py (each finding's code, rule, source and fix), findings.py (one
record's findings), report.py (the records checked, filters, CSV and JSON), report_job.py (a large cohort's CSV
as a job); the screen in views/. May import api ... results (it reads the levels summary and the funding flags'
rules from levels/, never repeating them).
"""
