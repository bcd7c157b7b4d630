"""Read-your-writes on demand: a read that names the version it must reflect (`minVersion`)
waits, for at most `maxWaitMs`, until the read model has caught up with it.

A command answers with the version it wrote; in distributed mode (commands over RabbitMQ, the
views kept by `product-service project`) the read model reaches it a moment later. A client
that must see its own write passes that version and is answered as soon as the view has it;
a version the event store does not hold is 404 at once, and one the views have not reached
when the wait is over is 503 with Retry-After. Embedded mode answers at once: its views are
projected before a command answers.
"""

import time
from collections.abc import Callable
from typing import Any

from application.ports import EventStore
from entrypoints.http.problems import Problem

DEFAULT_WAIT_MS = 3_000
MAX_WAIT_MS = 10_000
POLL_INTERVAL_S = 0.02

View = dict[str, Any]


def view_at_least(read: Callable[[], View | None], store: EventStore, kind: str, entity_id: str,
                  min_version: int | None, wait_ms: int = DEFAULT_WAIT_MS) -> View:
    """The view once its version is at least `min_version` (as it is, when None)."""
    view = read()
    if _reaches(view, min_version):
        return view  # type: ignore[return-value]
    if min_version is None or not _written(store, kind, entity_id, min_version):
        version = f" has no version {min_version}" if min_version is not None else " does not exist"
        raise Problem(404, "Not found", f"{kind} {entity_id}{version}")
    deadline = time.monotonic() + min(wait_ms, MAX_WAIT_MS) / 1000
    while time.monotonic() < deadline:
        time.sleep(POLL_INTERVAL_S)
        view = read()
        if _reaches(view, min_version):
            return view  # type: ignore[return-value]
    shown = f"version {view['version']}" if view is not None else "no version yet"
    raise Problem(503, "Read model behind", f"the read model shows {kind} {entity_id} at {shown}, not yet version "
                  f"{min_version}; ask again shortly", headers={"Retry-After": "1"})


def _reaches(view: View | None, min_version: int | None) -> bool:
    return view is not None and (min_version is None or view["version"] >= min_version)


def _written(store: EventStore, kind: str, entity_id: str, version: int) -> bool:
    """Whether the event store holds that version of an entity of that kind."""
    events = store.load(entity_id, after_version=version - 1, up_to_version=version)
    return bool(events) and events[0].aggregate_type == kind
