"""A record's bksb user: usernames, linking (Apply), eligibility, invites and single sign-on. May import api, models,
config and levels.
"""
