"""Per request: the correlation id (taken from X-Correlation-ID or made, and echoed), the request
counter and latency histogram, and one access log line. Nothing else runs on every request."""

import logging
import time
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram

from entrypoints.logs import bind_correlation_id, correlation_id_from, unbind_correlation_id

CORRELATION_HEADER = "X-Correlation-ID"
access_log = logging.getLogger("product_service.access")


def install_observability(app: Flask, registry: CollectorRegistry) -> None:
    """Registers the hooks; call it before any other before_request hook, so that a request
    refused by one (401) is still correlated, counted and logged."""
    requests = Counter("http_requests", "HTTP requests", ["method", "endpoint", "status"], registry=registry)
    latency = Histogram("http_request_duration_seconds", "HTTP request latency by route", ["method", "endpoint"],
                        registry=registry)

    @app.before_request
    def _begin() -> None:
        g.started = time.perf_counter()
        g.correlation_id = correlation_id_from(request.headers.get(CORRELATION_HEADER))
        g.correlation_token = bind_correlation_id(g.correlation_id)

    counted: dict[tuple[str, str, int], Any] = {}  # label values -> (counter, histogram) children
    info = logging.INFO

    @app.after_request
    def _finish(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        method, status = request.method, response.status_code
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"  # the route, never the raw path
        children = counted.get((method, endpoint, status))
        if children is None:  # prometheus' labels() validates and locks on every call: look up once
            children = counted[method, endpoint, status] = (requests.labels(method, endpoint, str(status)),
                                                            latency.labels(method, endpoint))
        children[0].inc()
        children[1].observe(elapsed)
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        if access_log.isEnabledFor(info):
            principal, path = g.get("principal"), request.path
            access_log.info("%s %s %s", method, path, status, extra={
                "method": method, "path": path, "status": status, "duration_ms": round(elapsed * 1000, 2),
                "user": principal.user_id if principal else None})
        return response

    @app.teardown_request
    def _end(_: BaseException | None) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            unbind_correlation_id(token)
