"""Operations: health, readiness and metrics."""

from dependency_injector.wiring import Provide, inject
from flask import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from entrypoints.containers import Container
from entrypoints.http.auth import READ, requires
from entrypoints.http.parsing import Blueprint
from entrypoints.http.rendering import errors, json_response
from entrypoints.http.schemas.common import HealthSchema, ReadinessSchema
from entrypoints.readiness import OK, Readiness

blp = Blueprint("operations", __name__, url_prefix="/api/v1", description="Operations")


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthSchema)
@blp.doc(security=[])  # open: no bearer token needed
def health() -> Response:
    """Open to all: the process is up."""
    return json_response({"status": "ok"})


@blp.route("/ready", methods=["GET"])
@blp.response(200, ReadinessSchema)
@blp.alt_response(503, schema=ReadinessSchema, description="an adapter cannot be reached")
@errors(blp, 401, 403)
@requires(READ)
@inject
def ready(readiness: Readiness = Provide[Container.readiness]) -> Response:
    """Every configured adapter answers: the event store, the read models, and the broker if any."""
    checks = readiness.check()
    ok = all(result == OK for result in checks.values())
    return json_response({"status": "ready" if ok else "not ready", "checks": checks}, 200 if ok else 503)


@blp.route("/metrics", methods=["GET"])
@blp.response(200, {"type": "string"}, content_type=CONTENT_TYPE_LATEST)
@errors(blp, 401, 403)
@requires(READ)
@inject
def metrics(registry: CollectorRegistry = Provide[Container.metrics_registry]) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)

