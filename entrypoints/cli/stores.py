"""`init`, `serve` and `projections rebuild`: setting up and running the service's stores."""

import argparse

from entrypoints.cli.progress import progress_bar
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.logs import configure_logging
from entrypoints.rebuild_helpers import ForkedRebuildHelpers
from entrypoints.settings import Settings


def init(args: argparse.Namespace, settings: Settings) -> int:
    """Creates the tables of the event store and the read models; repeating it changes nothing."""
    init_stores(build_container(settings))
    print(f"event store ready: {settings.event_store}"
          + (f" ({settings.event_db_path})" if settings.event_store == "sqlite" else ""))
    print("read models ready")
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    from entrypoints.http import serve as serve_http  # the web stack loads only to serve

    configure_logging(settings.log_level)
    serve_http(settings, args.host, args.port, args.workers, args.threads, args.cpu_affinity)
    return 0


def rebuild_projections(args: argparse.Namespace, settings: Settings) -> int:
    """Replays every event into fresh read models, which replace the live ones when complete;
    helper processes replay shares of the projections in parallel."""
    with ForkedRebuildHelpers(settings) as helpers:  # forked before this process opens a store
        projector = build_container(settings).projector()
        with progress_bar("Rebuilding read models", None) as bar:
            replayed = projector.rebuild(on_progress=bar, helpers=helpers)
    print(f"read models rebuilt from {replayed} events")
    return 0


def catch_up_projections(container: Container) -> int:
    """Brings the read models up to the end of the feed; how many events they applied."""
    projector = container.projector()
    with progress_bar("Updating read models", projector.lag()) as bar:
        applied = projector.catch_up()
        bar(applied)
    return applied
