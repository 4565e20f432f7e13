"""Reading stored results for people: CSV exports, the sessions and skills read for the tab, the BKSB Tables
reference. May import api ... unmatched.
"""
