"""Creating bksb users: for one record (at most once), for many (the Create bksb users job), and automatically for an
intake, with their screens in creation/views/. Services may import api ... matching.
"""
