"""Operations: health, readiness and metrics."""

from dependency_injector.wiring import Provide, inject
from flask import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from application.ports import EventStore
from application.read_models import ReadModels
from entrypoints.containers import Container
from entrypoints.http.auth import READ, requires
from entrypoints.http.parsing import Blueprint
from entrypoints.http.rendering import errors, json_response
from entrypoints.http.schemas.common import HealthSchema, ReadinessSchema

blp = Blueprint("operations", __name__, url_prefix="/api/v1", description="Operations")


@blp.route("/health", methods=["GET"])
@blp.response(200, HealthSchema)
def health() -> Response:
    """Open to all: the process is up."""
    return json_response({"status": "ok"})


@blp.route("/ready", methods=["GET"])
@blp.response(200, ReadinessSchema)
@blp.alt_response(503, schema=ReadinessSchema, description="an adapter cannot be reached")
@errors(blp, 401, 403)
@requires(READ)
@inject
def ready(store: EventStore = Provide[Container.event_store],
          read_models: ReadModels = Provide[Container.read_models]) -> Response:
    """Every configured adapter answers."""
    checks = {"eventStore": _check(lambda: store.owner_of("readiness-probe")),
              "readModels": _check(read_models.checkpoints)}
    ok = all(result == "ok" for result in checks.values())
    return json_response({"status": "ready" if ok else "not ready", "checks": checks}, 200 if ok else 503)


@blp.route("/metrics", methods=["GET"])
@blp.response(200, {"type": "string"}, content_type=CONTENT_TYPE_LATEST)
@errors(blp, 401, 403)
@requires(READ)
@inject
def metrics(registry: CollectorRegistry = Provide[Container.metrics_registry]) -> Response:
    """Prometheus text format."""
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _check(probe: object) -> str:
    try:
        probe()  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001 - readiness reports any failure as not ready
        return f"failed: {error}"
    return "ok"
