"""/health/live, /health/ready and /metrics.

They are answered by OpsEndpointsMiddleware, ahead of every other middleware:
an orchestrator's probe or a Prometheus scrape reaches the process by its
address (no ALLOWED_HOSTS name), over plain HTTP (no HTTPS redirect), with no
session or cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST

from ops.health import health_report
from ops.metrics import metrics_render

logger = logging.getLogger(__name__)

NO_STORE = "no-store"


def health_live(request: HttpRequest) -> HttpResponse:
    """The process answers: nothing else is asked (a restart would not mend a database)."""
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = NO_STORE
    return response


def health_ready(request: HttpRequest) -> HttpResponse:
    """503 naming each failing dependency; 200 when everything this product needs answers."""
    report = health_report()
    failing = [name for name, check in report.items() if not check.ok]
    body = {
        "status": "failing" if failing else "ok",
        "failing": failing,
        "checks": {name: {"ok": check.ok, "detail": check.detail} for name, check in report.items()},
    }
    response = JsonResponse(body, status=503 if failing else 200)
    response["Cache-Control"] = NO_STORE
    return response


def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition, for a caller with the token or from an allowed network."""
    refusal = metrics_refusal(request)
    if refusal:
        response = HttpResponse(refusal + "\n", status=403, content_type="text/plain")
    else:
        try:
            response = HttpResponse(metrics_render(), content_type=CONTENT_TYPE_LATEST)
        except (redis.RedisError, OSError) as exc:
            logger.warning("metrics unavailable: %s", type(exc).__name__)
            response = HttpResponse("the shared metrics cannot be read now\n", status=503, content_type="text/plain")
    response["Cache-Control"] = NO_STORE
    return response


def metrics_refusal(request: HttpRequest) -> str:
    """Why this caller may not read the metrics ('' when they may).

    With METRICS_TOKEN set, only `Authorization: Bearer <token>` is let in (compared
    in constant time). Without it, only callers from METRICS_ALLOWED_NETWORKS
    (loopback by default) that came through no proxy: behind a proxy every outside
    caller would seem to come from the proxy's own, internal, address.
    """
    token: str = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        expected = f"Bearer {token}"
        if hmac.compare_digest(given.encode(), expected.encode()):
            return ""
        return "The metrics need the bearer token (METRICS_TOKEN)."
    if "X-Forwarded-For" in request.headers or "Forwarded" in request.headers:
        return "The metrics are not served through a proxy without a token: set METRICS_TOKEN."
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return "The metrics are served only to internal addresses."
    networks = [ipaddress.ip_network(net, strict=False) for net in settings.METRICS_ALLOWED_NETWORKS]
    if any(address in network for network in networks):
        return ""
    return "The metrics are served only to internal addresses (METRICS_ALLOWED_NETWORKS) or with METRICS_TOKEN."
