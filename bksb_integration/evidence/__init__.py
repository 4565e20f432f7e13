"""Evidence packs: what a pack holds, its PDF, the zip job for many, and their screens (evidence/views.py). May import
api ... results.
"""
