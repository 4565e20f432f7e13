"""The bksb settings an admin changes: the connection (is bksb ready, a client), mapping tables, settings changes and
key rotation. May import api and models.
"""
