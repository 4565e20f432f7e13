"""The Unmatched report: every record that should have a working bksb link and has not, and the next action; its
screen in unmatched/views.py. May import api ... creation.
"""
