"""Every bksb request and 429 counted for /metrics (the client's RequestObserver)."""

from __future__ import annotations

from ops.metrics import BKSB_RATE_LIMITED, BKSB_REQUESTS, BUDGET_PAUSE_SECONDS, BUDGET_PAUSES, counter_add


class RequestMetrics:
    def answered(self, call: str, outcome: str) -> None:
        counter_add(BKSB_REQUESTS, call=call, outcome=outcome)

    def rate_limited(self, call: str, pause: float) -> None:
        counter_add(BKSB_RATE_LIMITED, call=call)
        counter_add(BUDGET_PAUSES)
        counter_add(BUDGET_PAUSE_SECONDS, pause)
