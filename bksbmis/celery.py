"""The Celery app. The bksb tasks live in bksb_integration/tasks.py, the background jobs' task in jobs/tasks.py,
the heartbeat in ops/tasks.py, the nightly retention run in privacy/tasks.py."""

import os

from celery import Celery

from ops.heartbeat import WorkerHeartbeat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bksbmis.settings")

app = Celery("bksbmis")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["bksb_integration", "jobs", "ops", "privacy"])
# Each worker stamps its heartbeat from its own timer, busy or idle (/health/ready's "worker").
app.steps["worker"].add(WorkerHeartbeat)
