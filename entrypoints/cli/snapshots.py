"""`snapshot`: writes a snapshot of aggregates at their current version."""

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from application.ports import EventStore
from application.repository import AggregateRepository
from domain.aggregate import Aggregate
from domain.category import Category
from domain.pricing import Pricing
from domain.product import Product
from entrypoints.cli.progress import progress_bar
from entrypoints.containers import build_container
from entrypoints.settings import Settings

AGGREGATES: dict[str, type[Aggregate]] = {cls.AGGREGATE_TYPE: cls for cls in (Product, Category, Pricing)}


@dataclass
class SnapshotRun:
    written: int = 0
    problems: list[str] = field(default_factory=list)


def snapshot_streams(store: EventStore, repository: AggregateRepository, entity_ids: Sequence[str],
                     on_progress: Callable[[int], None] | None = None) -> SnapshotRun:
    """Snapshots each stream at its current version; its first event names its aggregate type."""
    run = SnapshotRun()
    for done, entity_id in enumerate(entity_ids, start=1):
        first = store.load(entity_id, up_to_version=1)
        cls = AGGREGATES.get(first[0].aggregate_type) if first else None
        if not first:
            run.problems.append(f"{entity_id}: no such stream")
        elif cls is None:
            run.problems.append(f"{entity_id}: unknown aggregate type {first[0].aggregate_type!r}")
        else:
            aggregate, last_timestamp = repository.load(cls, entity_id)
            repository.snapshot(aggregate, last_timestamp or first[0].timestamp)
            run.written += 1
        if on_progress:
            on_progress(done)
    return run


def snapshot(args: argparse.Namespace, settings: Settings) -> int:
    """Exit code 1 when an entity asked for has no stream or an unknown type."""
    container = build_container(settings)
    store = container.event_store()
    entity_ids = args.entities or list(store.stream_ids())
    with progress_bar("Writing snapshots", len(entity_ids)) as advance:
        run = snapshot_streams(store, container.repository(), entity_ids, advance)
    print(f"snapshots written: {run.written}")
    for problem in run.problems:
        print(f"  not written: {problem}")
    return 1 if run.problems else 0
