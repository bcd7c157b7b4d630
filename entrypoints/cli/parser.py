"""The command line: subcommands, their options, and the function each one runs."""

import argparse
import uuid
from collections.abc import Callable

from domain.errors import InvalidValue
from domain.values import currency_code
from entrypoints.cli import importing, messaging, snapshots, stores, tokens, verify
from entrypoints.http.cpu_affinity import AFFINITIES, AUTO

DESCRIPTION = "Event-sourced product catalog: run the service and operate its stores."


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="product-service", description=DESCRIPTION)
    commands = parser.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")

    commands.add_parser("init", help="create the event store and read-model tables (harmless to repeat)") \
        .set_defaults(run=stores.init)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_positive, default=8000)
    serve.add_argument("--workers", type=_positive, default=1, help="server worker processes (default 1)")
    serve.add_argument("--threads", type=_positive, default=8, help="request threads per worker (default 8)")
    serve.add_argument("--cpu-affinity", choices=AFFINITIES, default=AUTO,
                       help="keep each worker to a CPU of its own: auto (default) when the workers are at least as "
                            "many as the CPUs the server may use, spread always, none never")
    serve.set_defaults(run=stores.serve)

    token = commands.add_parser("token", help="mint a local development JWT (prints only the token)")
    token.add_argument("--user", required=True, type=_non_empty, help="the token's subject, written into events")
    token.add_argument("--role", required=True, action="append", choices=tokens.ROLES, dest="roles",
                       help="a role the token grants; repeat for several")
    token.add_argument("--ttl-minutes", type=_positive, default=60, help="lifetime in minutes (default 60)")
    token.set_defaults(run=tokens.token)

    commands.add_parser("verify", help="check every stream and the feed for gaps and duplicates") \
        .set_defaults(run=verify.verify)

    snapshot = commands.add_parser("snapshot", help="snapshot aggregates at their current version")
    snapshot.add_argument("--entity", action="append", type=_entity_id, dest="entities", metavar="ID",
                          help="only this entity (repeatable); default: every stream")
    snapshot.set_defaults(run=snapshots.snapshot)

    projections = commands.add_parser("projections", help="maintain the read models")
    projection_commands = projections.add_subparsers(dest="action", required=True, metavar="ACTION")
    projection_commands.add_parser("rebuild", help="rebuild the read models by replaying every event") \
        .set_defaults(run=stores.rebuild_projections)

    _add_import(commands)
    _add_messaging(commands)
    return parser


def _add_import(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    command = commands.add_parser("import", help="migrate legacy products (idempotent on re-run)",
                                  description=importing.DESCRIPTION)
    command.add_argument("source", metavar="SOURCE", help="a CSV or JSON Lines file, or a database URL")
    command.add_argument("--format", choices=importing.FORMATS, help="default: guessed from SOURCE")
    command.add_argument("--table", help="the table to read, for a database URL")
    command.add_argument("--source-name", type=_non_empty,
                         help="the legacy system's name, part of each product's id (default: the file or table name)")
    command.add_argument("--user", type=_non_empty, default="importer", help="the user written into the events")
    command.add_argument("--currency", type=_currency, default="USD",
                         help="the currency of prices that name none (default USD)")
    command.add_argument("--encoding", default="utf-8", help="the text encoding of a file (default utf-8)")
    command.set_defaults(run=importing.import_products)


def _add_messaging(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    relay = commands.add_parser("relay", help="publish the outbox to RabbitMQ (until SIGTERM)")
    relay.add_argument("--batch-size", type=_positive, default=500, help="events per confirmed batch (default 500)")
    relay.add_argument("--once", action="store_true", help="publish what is pending, then exit")
    relay.set_defaults(run=messaging.relay)

    consume = commands.add_parser("consume", help="carry out the commands of the RabbitMQ command queue")
    consume.add_argument("--prefetch", type=_positive, default=16, help="unacknowledged messages (default 16)")
    consume.add_argument("--metrics-port", type=_positive, metavar="PORT",
                         help="serve the command metrics (Prometheus text) on this port; default: none")
    consume.add_argument("--metrics-host", default="127.0.0.1", help="the metrics port's address (default 127.0.0.1)")
    consume.set_defaults(run=messaging.consume)

    project = commands.add_parser("project", help="keep the read models up with the events on RabbitMQ")
    project.add_argument("--batch-size", type=_positive, default=500, help="events per transaction (default 500)")
    project.set_defaults(run=messaging.project)

    replay = commands.add_parser("replay", help="publish the events again from a feed position")
    replay.add_argument("--from-position", type=_positive, required=True, metavar="N",
                        help="the first feed position to publish (1 is the beginning)")
    replay.add_argument("--shard", type=_shard, metavar="S", help="only this feed shard (default: every shard)")
    replay.add_argument("--batch-size", type=_positive, default=500, help="events per confirmed batch (default 500)")
    replay.set_defaults(run=messaging.replay)


def _whole_number(minimum: int) -> Callable[[str], int]:
    """An argument type: a whole number of at least `minimum`."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if number < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more")
        return number

    return parse


_positive, _shard = _whole_number(1), _whole_number(0)


def _non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text.strip()


def _entity_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a UUID") from None


def _currency(text: str) -> str:
    try:
        return currency_code(text)
    except InvalidValue as error:
        raise argparse.ArgumentTypeError(error.message) from None
