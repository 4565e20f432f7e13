"""Retention and subject access (UK GDPR): how long records are kept, one learner's data on request, erasure.

It owns the retention periods, audit holds and its own audit events; it reaches learners, signin and
bksb_integration (the tables that hold a learner's data) and sits below hub only.
"""
