"""The integration's screens by area: the BKSB tab (web/tab), the settings pages (web/settings), Get Results and its
history (web/runs), the learner list's registrations. Screens may import every part below them.
"""
