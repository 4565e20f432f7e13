from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        # Beat stamps its heartbeat once the broker has taken the heartbeat task.
        from celery.signals import after_task_publish, task_postrun

        from ops.heartbeat import beat_published
        from ops.metrics import collector_register, counts_sent_after_task
        from ops.queue_depth import queue_metrics

        after_task_publish.connect(beat_published, dispatch_uid="ops_beat_heartbeat")
        # What a task counted reaches /metrics when it ends, not a second later.
        task_postrun.connect(counts_sent_after_task, dispatch_uid="ops_counts_sent")
        collector_register("queue", queue_metrics)
