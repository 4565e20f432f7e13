"""The Celery app. The bksb tasks live in bksb_integration/tasks.py, the background jobs' task in jobs/tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")

app = Celery("bksbmis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["bksb_integration", "jobs"])
