"""What /metrics reads from the runs table at scrape time: runs under way, and the last nightly run."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric

from bksb_integration.models import Run

# A nightly run with some learners failed still brought everyone else up to date.
COMPLETED = (Run.Status.SUCCEEDED, Run.Status.PARTIAL)


def run_metrics() -> Iterable[Metric]:
    running = GaugeMetricFamily(
        "bksbmis_runs_in_progress", "Download runs queued or running, by kind.", labels=("kind",)
    )
    under_way = Run.objects.filter(finished_at__isnull=True).values("kind").annotate(n=Count("pk")).order_by("kind")
    for row in under_way:
        running.add_metric([row["kind"]], row["n"])
    yield running
    nightly = GaugeMetricFamily(
        "bksbmis_nightly_last_success_age_seconds",
        "Seconds since the last scheduled Get Results run finished (succeeded, or with some learners failed).",
    )
    last = Run.objects.filter(kind=Run.Kind.GET_RESULTS, trigger=Run.Trigger.SCHEDULED, status__in=COMPLETED).aggregate(
        at=Max("finished_at")
    )["at"]
    if last is not None:
        nightly.add_metric([], (timezone.now() - last).total_seconds())
    yield nightly
