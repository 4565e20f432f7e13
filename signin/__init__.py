"""Signing in: the college's OpenID Connect provider, local passwords and the second factor."""
