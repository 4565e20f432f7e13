"""Downloading results: runs, the download flow, the request budget, the breaker, the watch list pass, queueing work
by task name. May import the parts before it (api ... accounts).
"""
