"""Signals other apps listen to (learners knows none of them)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent once an import has written its rows (the page's job, or the command), outside any transaction.
learners_imported = Signal()
