"""Evidence packs: what a pack holds, its PDF, the zip job for many, the bounds on making them (bounds.py), and
their screens (evidence/views.py). May import api ... results.
"""
