"""`verify`: checks every stream and the feed, prints the counts and any problem found."""

import argparse

from entrypoints.cli.progress import progress_bar
from entrypoints.cli.store_check import StoreCheck, check_store
from entrypoints.containers import build_container
from entrypoints.settings import Settings

MAX_LISTED = 1000


def verify(args: argparse.Namespace, settings: Settings) -> int:
    """Exit code 0 when the store is sound, 1 with a listing of the problems otherwise."""
    store = build_container(settings).event_store()
    entity_ids = list(store.stream_ids())
    with progress_bar("Checking streams", len(entity_ids)) as advance:
        check = check_store(store, entity_ids, advance)
    _print_counts(check)
    if not check.problems:
        print("OK: every stream and the feed are complete")
        return 0
    print(f"PROBLEMS: {len(check.problems)}")
    for problem in check.problems[:MAX_LISTED]:
        print(f"  {problem}")
    if len(check.problems) > MAX_LISTED:
        print(f"  ... and {len(check.problems) - MAX_LISTED} more")
    return 1


def _print_counts(check: StoreCheck) -> None:
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(check.streams.items()))
    print(f"streams: {sum(check.streams.values())}" + (f" ({kinds})" if kinds else ""))
    print(f"events: {check.events}")
    shards = ", ".join(f"shard {shard}: {count}" for shard, count in sorted(check.feed_events.items()))
    print(f"feed events: {sum(check.feed_events.values())} ({shards})")
