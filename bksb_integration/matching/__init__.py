"""Matching records to existing bksb users: candidates, probes, suggestions, the match job and Link selected, with
their screens in matching/views/. Services may import api ... sync.
"""
