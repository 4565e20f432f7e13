"""Assessment progress: the status steps, the Induction board and the watch list settings, with their screens in
induction/views/. May import api ... evidence.
"""
