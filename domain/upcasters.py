"""Upcasters: pure functions that lift an event's stored data from one schema version to the next.

Keyed by (event type, version it upcasts from). Every event is still at its first schema
version, so there are none yet; when an event's shape changes, bump its class's VERSION and
add the function here. Stored events are never rewritten.
"""

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

UPCASTERS: dict[tuple[str, int], Upcaster] = {}
