"""The fault soak: mixed HTTP and AMQP commands on DynamoDB + RabbitMQ while the broker
connection is cut and the relay, the command consumer and the projection runner are killed
(SIGKILL) and restarted; then every promise is checked and the counts are printed.

The set-up: a serialised moto server as DynamoDB (a fresh table); a fresh RabbitMQ virtual
host; `product-service serve` (embedded projections, no in-process relay: the relay is its own
process, so it can be killed); `relay`, `consume` and `project` processes that reach the
broker through a TCP proxy the soak can cut; a durable queue bound to `product.events`
straight on the broker (not through the proxy) that collects every published event.

The verdict, after the load stops and the relay has drained: `product-service verify` finds
no gap; every accepted command has its events exactly once in the store, ending at the version
its client was told, and a refused one has none; every step ended as it was meant to; every
stored event reached the exchange (copies only as re-sends with the same message_id, each
entity's events first arriving in order); no command was dead-lettered; and the read models
(every table, and the catalog and category tree over HTTP) equal a fresh
`product-service projections rebuild`.
"""

import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from dependency_injector import providers

from adapters.dynamodb import create_dynamodb_client
from entrypoints.containers import Container, build_container, init_stores
from entrypoints.settings import Settings
from tests.dynamodb_emulator import ROOT, moto_server, moto_session
from tests.e2e.server import Client, cli, free_port, server_environment
from tests.rabbitmq_broker import bind_listener, channel_to, consumer_count, drain, fresh_vhost, message_count
from tests.soak import checks
from tests.soak.workload import (
    AmqpDriver,
    Outcome,
    Outcomes,
    Scripts,
    endless,
    http_session,
    http_worker,
    limited,
    run_http_step,
    setup_scripts,
)
from tests.tcp_proxy import TcpProxy

CUT, KILL_RELAY, KILL_CONSUMER, KILL_PROJECTOR = "broker cut", "relay killed", "consumer killed", "projector killed"
FAULT_KINDS = (KILL_CONSUMER, CUT, KILL_RELAY, KILL_PROJECTOR)


@dataclass(frozen=True)
class SoakConfig:
    """How long and how hard. The load runs for `duration_s`, or until `commands` were sent
    (whichever comes first; at least one must be set)."""

    duration_s: float | None = 20.0
    commands: int | None = None
    http_threads: int = 3
    amqp_rate: float = 12.0  # AMQP command messages a second at most
    amqp_in_flight: int = 6  # AMQP scripts going at once
    resend_after_s: float = 4.0
    # the faults: at these seconds of the load, or (empty) every `fault_every_s`, kinds in turn
    fault_schedule: tuple[tuple[float, str], ...] = ()
    fault_every_s: float = 8.0
    cut_s: float = 3.0  # how long the broker stays away
    down_s: float = 1.0  # how long a killed process stays dead
    seed: int = 1
    drain_timeout_s: float = 120.0
    keep_dir: Path | None = None  # keep the logs and SQLite files here (default: a temporary directory)

    def __post_init__(self) -> None:
        if self.duration_s is None and self.commands is None:
            raise ValueError("a soak needs a duration or a number of commands")


def short_schedule(duration_s: float) -> tuple[tuple[float, str], ...]:
    """Each kind of fault once, spread over the load."""
    gap = duration_s / (len(FAULT_KINDS) + 1)
    return tuple((gap * (number + 1) - 1.0, kind) for number, kind in enumerate(FAULT_KINDS))


@dataclass
class SoakReport:
    seconds: float = 0.0
    load_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)  # seconds each phase took
    outcomes: list[Outcome] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)
    amqp_resends: int = 0
    amqp_late_replies: int = 0
    events_stored: int = 0
    verify_events: int = -1
    verify_ok: bool = False
    exchange: checks.ExchangeCount = checks.ExchangeCount(0, 0, 0)
    dead_lettered: int = 0
    read_model_rows: int = 0
    read_models_equal: bool | None = None  # None: not compared
    starts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        by = Counter((outcome.transport, outcome.status) for outcome in self.outcomes)
        sent = Counter(outcome.transport for outcome in self.outcomes)
        statuses = Counter(outcome.status for outcome in self.outcomes)
        faults = ", ".join(f"{kind} {self.faults[kind]}" for kind in FAULT_KINDS)
        lines = [
            f"soak: {self.seconds:.1f} s in all ("
            + ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in self.phases.items()) + ")",
            f"faults injected: {faults}",
            f"commands sent: {len(self.outcomes)} (http {sent['http']}, amqp {sent['amqp']}); "
            f"accepted {statuses['accepted']} (http {by['http', 'accepted']}, amqp {by['amqp', 'accepted']}), "
            f"rejected {statuses['rejected']} (http {by['http', 'rejected']}, amqp {by['amqp', 'rejected']}), "
            f"errors {statuses['error']}, without an outcome {statuses['none']}",
            f"amqp re-sends (same commandId): {self.amqp_resends}; late duplicate replies: {self.amqp_late_replies}; "
            f"dead-lettered: {self.dead_lettered}",
            f"events stored: {self.events_stored}; verify: {'OK' if self.verify_ok else 'FAILED'} "
            f"({self.verify_events} events)",
            f"events on the exchange: {self.exchange.received} received, {self.exchange.distinct} distinct, "
            f"{self.exchange.duplicates} re-sent duplicates",
            f"read models: {self.read_model_rows} rows, "
            f"{ {True: 'equal to', False: 'NOT equal to', None: 'not compared with'}[self.read_models_equal]} "
            "a fresh rebuild",
            f"process starts: {', '.join(f'{name} {count}' for name, count in self.starts.items())}",
            "result: " + ("OK" if not self.problems else checks.listed(self.problems)),
        ]
        return "\n".join(lines)


class Service:
    """A `product-service` subcommand as a process that can be killed and started again."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env, self.log_dir = name, args, env, log_dir
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()  # held from a kill to the start after it

    def start(self) -> None:
        self.starts += 1
        with (self.log_dir / f"{self.name}-{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", *self.args], env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int | None:
        """SIGTERM, and its exit code (None if it was not running)."""
        if self.process is None or self.process.poll() is not None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 5) -> str:
        text = (self.log_dir / f"{self.name}-{self.starts}.log").read_text(errors="replace")
        return "\n    ".join(text.splitlines()[-lines:])


def restart_the_fallen(services: dict[str, Service], report: "SoakReport") -> None:
    """A process that exited without being killed is a finding: recorded, then started again."""
    for service in services.values():
        if not service.lock.acquire(blocking=False):
            continue  # being killed and started again
        try:
            if not service.alive():
                report.problems.append(f"{service.name} exited by itself ({service.name}-{service.starts}.log):"
                                       f"\n    {service.log_tail()}")
                service.start()
        finally:
            service.lock.release()


class Faults:
    """Injects the faults in a thread: on the schedule, or every few seconds, kinds in turn."""

    def __init__(self, config: SoakConfig, proxy: TcpProxy, services: dict[str, Service], report: SoakReport,
                 on_consumer_killed: Callable[[], None]) -> None:
        self.config, self.proxy, self.services, self.report = config, proxy, services, report
        self.on_consumer_killed = on_consumer_killed
        self.stop = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._run, name="soak-faults", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def finish(self) -> None:
        self.stop.set()
        self._thread.join(timeout=60)

    def _plan(self) -> Iterator[tuple[float, str]]:
        if self.config.fault_schedule:
            yield from sorted(self.config.fault_schedule)
            return
        rng = random.Random(self.config.seed)
        at, kinds = 0.0, list(FAULT_KINDS)
        for number in range(10**6):
            if number % len(kinds) == 0:
                rng.shuffle(kinds)
            at += self.config.fault_every_s * rng.uniform(0.6, 1.4)
            yield at, kinds[number % len(kinds)]

    def _run(self) -> None:
        began = time.monotonic()
        try:
            for at, kind in self._plan():
                if self.stop.wait(max(0.0, began + at - time.monotonic())):
                    return
                self.inject(kind)
        except Exception:
            self.error = traceback.format_exc()

    def inject(self, kind: str) -> None:
        if kind == CUT:
            self.proxy.cut()
            self.stop.wait(self.config.cut_s)
            self.proxy.restore()
        else:
            service = self.services[{KILL_RELAY: "relay", KILL_CONSUMER: "consume", KILL_PROJECTOR: "project"}[kind]]
            with service.lock:
                service.kill()
                if kind == KILL_CONSUMER:
                    self.on_consumer_killed()
                time.sleep(self.config.down_s)
                service.start()
        self.report.faults[kind] += 1


class Clients:
    """HTTP clients of the server, closed together (gunicorn's graceful stop would wait for their
    idle keep-alive connections)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._clients: list[Client] = []

    def new(self) -> Client:
        client = http_session(self.base)
        self._clients.append(client)
        return client

    def __enter__(self) -> "Clients":
        return self

    def __exit__(self, *exc_info: object) -> None:
        for client in self._clients:
            client.session.close()


def _healthy(base: str) -> bool:
    try:
        return requests.get(f"{base}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def proxied(url: str, proxy: TcpProxy) -> str:
    parts = urllib.parse.urlparse(url)
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{proxy.port}"
    return urllib.parse.urlunparse(parts._replace(netloc=netloc, query="heartbeat=10"))


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.2) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


def store_container(settings: Settings, endpoint: str) -> Container:
    """The service's wiring in this process, on the soak's DynamoDB (with moto's credentials)."""
    container = build_container(settings)
    client = create_dynamodb_client(settings.aws_region, endpoint, session=moto_session())
    container.dynamodb_client.override(providers.Object(client))
    return container


@contextmanager
def data_directory(keep: Path | None) -> Iterator[Path]:
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="soak-") as directory:
        yield Path(directory)


def run_soak(config: SoakConfig) -> SoakReport:
    """Runs the soak and checks its outcome; the report lists the problems found (none: passed)."""
    report = SoakReport()
    began = time.monotonic()
    try:
        _soak(config, report)
    except Exception:
        report.problems.append(f"the soak itself failed: {traceback.format_exc()}")
    report.seconds = time.monotonic() - began
    return report


def _soak(config: SoakConfig, report: SoakReport) -> None:
    run, began = uuid.uuid4().hex[:8], time.monotonic()
    with ExitStack() as stack:
        data_dir = stack.enter_context(data_directory(config.keep_dir))
        broker_url = stack.enter_context(fresh_vhost())
        endpoint = stack.enter_context(moto_server())
        proxy = stack.enter_context(TcpProxy("127.0.0.1", urllib.parse.urlparse(broker_url).port or 5672))
        table = f"soak-{run}"
        collector = f"soak-events-{run}"
        with channel_to(broker_url) as channel:
            bind_listener(channel, "product.events", collector)  # before anything is published
        common = {"PRODUCT_SERVICE_EVENT_STORE": "dynamodb", "DYNAMODB_ENDPOINT_URL": endpoint,
                  "PRODUCT_SERVICE_DYNAMODB_TABLE": table, "AWS_ACCESS_KEY_ID": "soak",
                  "AWS_SECRET_ACCESS_KEY": "soak", "AWS_REGION": "us-east-1", "AMQP_URL": proxied(broker_url, proxy),
                  "PRODUCT_SERVICE_SNAPSHOT_EVERY": "5"}
        env = server_environment(data_dir, {**common, "PRODUCT_SERVICE_BROKER": "rabbitmq"})
        settings = Settings(event_store="dynamodb", broker="rabbitmq", data_dir=str(data_dir),
                            dynamodb_endpoint_url=endpoint, dynamodb_table=table)
        container = store_container(settings, endpoint)
        init_stores(container)  # as `product-service init` does
        port = free_port()
        # the server projects in-process and runs no relay: the relay is a process of its own
        server = Service("serve", ["serve", "--host", "127.0.0.1", "--port", str(port)],
                         {**env, "PRODUCT_SERVICE_BROKER": "inline"}, data_dir)
        services = {name: Service(name, [name], env, data_dir) for name in ("relay", "consume", "project")}
        stack.callback(_stop_all, {"serve": server, **services})
        clients = stack.enter_context(Clients(f"http://127.0.0.1:{port}/api/v1"))  # closed before the server stops
        for service in (server, *services.values()):
            service.start()
        wait_for(lambda: _healthy(clients.base) and consumer_count(broker_url, "product.commands") >= 1
                 and consumer_count(broker_url, "product.projections") >= 1, 60,
                 "the server, the consumer and the projector")

        report.phases["set-up"] = time.monotonic() - began
        outcomes = Outcomes()
        report.outcomes = outcomes.items  # what was sent so far, should the load fail
        _load(config, report, run, clients, broker_url, proxy, services, outcomes)
        report.outcomes = list(outcomes.items)
        report.phases["load"] = report.load_seconds
        began = time.monotonic()
        _settle(config, report, container, services, broker_url)
        report.phases["drain"] = time.monotonic() - began
        began = time.monotonic()
        _verdict(config, report, container, env, clients, broker_url, collector, services)
        report.phases["checks"] = time.monotonic() - began


def _load(config: SoakConfig, report: SoakReport, run: str, clients: "Clients", broker_url: str, proxy: TcpProxy,
          services: dict[str, Service], outcomes: Outcomes) -> None:
    """The set-up commands, then the load with the faults."""
    http_setup, amqp_setup, shared = setup_scripts(run)
    setup_client = clients.new()
    for step in http_setup:
        outcomes.add(run_http_step(setup_client, step))
    setup_driver = AmqpDriver(broker_url, "product.commands", outcomes, resend_after_s=config.resend_after_s)
    setup_driver.run(iter([amqp_setup]), threading.Event(), finish_timeout_s=60)
    report.amqp_resends += setup_driver.resends

    scripts, stop, errors = Scripts(run, shared), threading.Event(), []

    def guarded(target: Callable[..., None], *args: Any) -> threading.Thread:
        def body() -> None:
            try:
                target(*args)
            except Exception:
                errors.append(traceback.format_exc())
        return threading.Thread(target=body, daemon=True)

    driver = AmqpDriver(broker_url, "product.commands", outcomes, config.amqp_in_flight, config.amqp_rate,
                        config.resend_after_s)
    threads = [guarded(http_worker, clients.new(), limited(endless(scripts, "http"), outcomes, config.commands),
                       outcomes, stop) for _ in range(config.http_threads)]
    threads.append(guarded(driver.run, limited(endless(scripts, "amqp"), outcomes, config.commands), stop,
                           config.drain_timeout_s))
    faults = Faults(config, proxy, services, report, driver.resend_unanswered)
    began = time.monotonic()
    for thread in threads:
        thread.start()
    faults.start()
    while not _done(config, began, outcomes) and any(thread.is_alive() for thread in threads):
        restart_the_fallen(services, report)
        time.sleep(0.1)
    report.load_seconds = time.monotonic() - began
    stop.set()
    faults.finish()
    for thread in threads:
        thread.join(timeout=config.drain_timeout_s + 30)
        if thread.is_alive():
            raise TimeoutError("a command driver did not finish")
    report.amqp_resends += driver.resends
    report.amqp_late_replies = setup_driver.late_replies + driver.late_replies
    report.problems += [f"a driver failed: {error}" for error in errors]
    if faults.error:
        report.problems.append(f"injecting a fault failed: {faults.error}")


def _done(config: SoakConfig, began: float, outcomes: Outcomes) -> bool:
    if config.duration_s is not None and time.monotonic() - began >= config.duration_s:
        return True
    return config.commands is not None and outcomes.sent() >= config.commands


def _settle(config: SoakConfig, report: SoakReport, container: Container,
            services: dict[str, Service], broker_url: str) -> None:
    """The broker back, every process up; then the relay drained and the read models caught up."""
    store, projector = container.event_store(), container.projector()

    def watched(condition: Callable[[], bool]) -> Callable[[], bool]:
        def check() -> bool:
            restart_the_fallen(services, report)
            return condition()
        return check

    wait_for(watched(lambda: not store.pending(limit=1)), config.drain_timeout_s, "the relay to drain the outbox",
             0.5)
    wait_for(watched(lambda: projector.lag() == 0), config.drain_timeout_s, "the read models to catch up", 0.5)
    wait_for(watched(lambda: _queue_empty(broker_url, "product.projections")), config.drain_timeout_s,
             "the projector to empty its queue", 0.5)


def _queue_empty(url: str, queue: str) -> bool:
    with channel_to(url) as channel:
        return message_count(channel, queue) == 0


def _verdict(config: SoakConfig, report: SoakReport, container: Container, env: dict[str, str], clients: "Clients",
             broker_url: str, collector: str, services: dict[str, Service]) -> None:
    verifying = subprocess.Popen([sys.executable, "-m", "entrypoints.cli", "verify"], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # meanwhile: it only reads
    events = checks.every_event(container.event_store())
    report.events_stored = len(events)
    with channel_to(broker_url) as channel:
        deliveries = drain(channel, collector, len(events), timeout_s=config.drain_timeout_s, settle_s=1.0)
        report.dead_lettered = message_count(channel, "product.commands.dead")
    report.starts = {name: service.starts for name, service in services.items()}
    for name, code in _stop_all(services).items():
        if code not in (0, None):
            report.problems.append(f"{name} exited with {code} on SIGTERM")

    report.problems += checks.check_store(report.outcomes, events)
    report.exchange, exchange_problems = checks.check_exchange(deliveries, events)
    report.problems += exchange_problems
    if report.dead_lettered:
        report.problems.append(f"{report.dead_lettered} commands were dead-lettered")

    engine = container.read_model_engine()
    client = clients.new()
    live, live_http = checks.read_model_tables(engine), _catalog_over_http(client)
    report.read_model_rows = sum(len(rows) for rows in live.values())
    rebuilt = cli("projections", "rebuild", env=env)
    if rebuilt.returncode != 0:
        report.problems.append(f"projections rebuild failed: {rebuilt.stderr[-2000:]}")
    else:
        differences = checks.compare_tables(live, checks.read_model_tables(engine)) + checks.compare(
            "the catalog and the category tree over HTTP", live_http, _catalog_over_http(client))
        report.read_models_equal = not differences
        report.problems += differences

    out, err = verifying.communicate(timeout=300)
    report.verify_ok = verifying.returncode == 0 and "OK:" in out
    report.verify_events = next((int(line.split()[1]) for line in out.splitlines() if line.startswith("events: ")), -1)
    if not report.verify_ok:
        report.problems.append(f"verify failed ({verifying.returncode}): {out[-2000:]}{err[-2000:]}")
    if report.verify_events != len(events):
        report.problems.append(f"verify counted {report.verify_events} events, the feed has {len(events)}")


def _catalog_over_http(client: Client) -> dict[str, Any]:
    products, cursor = [], None
    while True:
        response = client.get("/products", params={"limit": 500, **({"cursor": cursor} if cursor else {})})
        response.raise_for_status()
        page = response.json()
        products += page["items"]
        if not (cursor := page.get("nextCursor")):
            break
    categories = client.get("/categories")
    categories.raise_for_status()
    return {"products": products, "categories": categories.json()}


def _stop_all(services: dict[str, Service]) -> dict[str, int | None]:
    return {name: service.stop() for name, service in services.items()}


def print_report(report: SoakReport) -> None:
    print(report.summary(), flush=True)

