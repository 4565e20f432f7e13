"""Tests of bksb_integration.accounts: linking, bksb user creation, invites."""
