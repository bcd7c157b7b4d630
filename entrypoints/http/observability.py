"""Per request: the correlation id (taken from X-Correlation-ID or made, and echoed), the request
counter and latency histogram, and one access log line. Nothing else runs on every request."""

import time

from flask import Flask, Response, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram

from adapters.prometheus.children import LabelledChildren
from entrypoints.log_output import AccessLog
from entrypoints.logs import bind_correlation_id, correlation_id_from, unbind_correlation_id

CORRELATION_HEADER = "X-Correlation-ID"


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

    children = LabelledChildren()
    access_log = AccessLog()

    @app.after_request
    def _finish(response: Response) -> Response:
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        method, status = request.method, response.status_code
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"  # the route, never the raw path
        children.of(requests, method, endpoint, str(status)).inc()
        children.of(latency, method, endpoint).observe(elapsed)
        correlation_id = g.get("correlation_id", "")
        response.headers[CORRELATION_HEADER] = correlation_id
        principal = g.get("principal")
        access_log.request(method, request.path, status, round(elapsed * 1000, 2),
                           principal.user_id if principal else None, correlation_id)
        return response

    @app.teardown_request
    def _end(_: BaseException | None) -> None:
        token = g.pop("correlation_token", None)
        if token is not None:
            unbind_correlation_id(token)
