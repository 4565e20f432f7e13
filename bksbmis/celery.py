"""The Celery app. Tasks live in each app's tasks.py and are found automatically."""

import os
import sys

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")

app = Celery("bksbmis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _short_thread_switches(**kwargs: object) -> None:
    """Threads pool: hand the GIL over sooner, so that a thread whose database or
    HTTP answer has arrived is not kept waiting behind another thread's Python work
    (downloads are many short waits; the 5 ms default adds up)."""
    sys.setswitchinterval(0.0005)
