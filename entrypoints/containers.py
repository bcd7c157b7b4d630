"""All wiring in one place: settings choose the adapters, the container builds everything."""

from pathlib import Path

from dependency_injector import containers, providers

from adapters.dynamodb import (
    DynamoDBEventStore,
    DynamoDBSnapshotStore,
    DynamoDBUsage,
    create_dynamodb_client,
    create_tables,
)
from adapters.memory import MemoryEventStore, MemorySnapshotStore
from adapters.prometheus import (
    DynamoDBUsageCollector,
    ProjectionLagCollector,
    PrometheusCommandMetrics,
    RelayBacklogCollector,
    create_metrics_registry,
)
from adapters.rabbitmq import RabbitMQConfirmingPublisher, RabbitMQProbe, Topology
from adapters.read_models import SqlReadModels, create_read_model_engine
from adapters.responses import SqlCommandResponses
from adapters.sqlite import (
    SQLiteDatabase,
    SQLiteEventStore,
    SQLiteSnapshotStore,
    create_schema,
    create_sqlite_engine,
)
from adapters.system import SystemClock, Uuid4Generator
from application.aggregate_cache import AggregateCache
from application.handlers import HANDLERS
from application.mapper import EventMapper
from application.messagebus import MessageBus
from application.projections import Projector
from application.repository import AggregateRepository
from application.temporal import TemporalQueries
from application.unit_of_work import UnitOfWork
from domain.events import ALL_EVENTS
from domain.upcasters import UPCASTERS
from entrypoints.amqp.consumer import RabbitMQCommandConsumer
from entrypoints.amqp.processor import CommandProcessor
from entrypoints.amqp.projection_runner import RabbitMQProjectionRunner
from entrypoints.amqp.relay import OutboxRelay
from entrypoints.http.commanding import CommandRunner
from entrypoints.readiness import Readiness
from entrypoints.settings import Settings


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid4Generator)

    sqlite_engine = providers.Singleton(
        create_sqlite_engine, path=config.event_db_path, synchronous=config.sqlite_synchronous)
    sqlite_database = providers.Singleton(SQLiteDatabase, sqlite_engine)
    memory_event_store = providers.Singleton(MemoryEventStore)
    dynamodb_client = providers.Singleton(
        create_dynamodb_client, region=config.aws_region, endpoint_url=config.dynamodb_endpoint_url)
    dynamodb_usage = providers.Singleton(DynamoDBUsage)

    event_store = providers.Selector(
        config.event_store,
        sqlite=providers.Singleton(SQLiteEventStore, sqlite_database),
        dynamodb=providers.Singleton(DynamoDBEventStore, dynamodb_client, config.dynamodb_table,
                                     shards=config.dynamodb_feed_shards, usage=dynamodb_usage),
        memory=memory_event_store,
    )
    snapshot_store = providers.Selector(
        config.event_store,
        sqlite=providers.Singleton(SQLiteSnapshotStore, sqlite_database),
        dynamodb=providers.Singleton(DynamoDBSnapshotStore, dynamodb_client, config.dynamodb_table,
                                     usage=dynamodb_usage),
        memory=providers.Singleton(MemorySnapshotStore),
    )

    mapper = providers.Singleton(EventMapper, ALL_EVENTS, UPCASTERS)
    aggregate_cache = providers.Singleton(AggregateCache, config.aggregate_cache)
    repository = providers.Singleton(AggregateRepository, event_store, snapshot_store, mapper, aggregate_cache)
    # called with the command's context, which lands after the injected positional arguments
    unit_of_work = providers.Factory(UnitOfWork, repository, clock, ids, snapshot_every=config.snapshot_every)
    read_model_engine = providers.Singleton(create_read_model_engine, config.read_model_database)
    read_models = providers.Singleton(SqlReadModels, read_model_engine, mapper)
    projector = providers.Singleton(Projector, event_store, read_models)

    # metrics: a registry per container; gauges are read at scrape time, the relay backlog only
    # where a relay runs (PRODUCT_SERVICE_BROKER=rabbitmq), DynamoDB usage only on DynamoDB.
    # Thread-safe: a second registry or a metric registered twice would fail the first requests.
    metrics_registry = providers.ThreadSafeSingleton(create_metrics_registry, providers.List(
        providers.Singleton(ProjectionLagCollector, projector),
        providers.Selector(config.broker, inline=providers.Object(None),
                           rabbitmq=providers.Singleton(RelayBacklogCollector, event_store)),
        providers.Selector(config.event_store, sqlite=providers.Object(None), memory=providers.Object(None),
                           dynamodb=providers.Singleton(DynamoDBUsageCollector, dynamodb_usage)),
    ))
    command_metrics = providers.ThreadSafeSingleton(PrometheusCommandMetrics, metrics_registry)

    # embedded projection: the views catch up right after each command commits
    message_bus = providers.Singleton(MessageBus, uow_factory=unit_of_work.provider, handlers=HANDLERS,
                                      listeners=providers.List(projector.provided.on_committed),
                                      observers=providers.List(command_metrics))
    # bulk work (imports): no projection per command; the caller catches the projector up afterwards
    bulk_message_bus = providers.Singleton(MessageBus, uow_factory=unit_of_work.provider, handlers=HANDLERS,
                                           observers=providers.List(command_metrics))
    temporal = providers.Singleton(TemporalQueries, repository, snapshot_every=config.snapshot_every)

    # entry points
    readiness = providers.Singleton(Readiness, event_store, read_models, providers.Selector(
        config.broker, inline=providers.Object(None), rabbitmq=providers.Singleton(RabbitMQProbe, config.amqp_url)))
    command_responses = providers.Singleton(SqlCommandResponses, read_model_engine)
    command_runner = providers.Singleton(CommandRunner, message_bus, command_responses, event_store)

    # RabbitMQ: the outbox relay, the command consumer and the projection runner. With
    # PRODUCT_SERVICE_BROKER=rabbitmq the projection runner keeps the views, so commands taken
    # from the queue do not project inline (the HTTP server still does, to read its own writes).
    amqp_topology = providers.Singleton(Topology)
    event_publisher = providers.Factory(RabbitMQConfirmingPublisher, config.amqp_url, amqp_topology)
    outbox_relay = providers.Factory(OutboxRelay, event_store, mapper, event_publisher)
    consumer_message_bus = providers.Selector(config.broker, inline=message_bus, rabbitmq=bulk_message_bus)
    command_processor = providers.Factory(CommandProcessor, consumer_message_bus, command_responses, event_store)
    command_consumer = providers.Factory(RabbitMQCommandConsumer, config.amqp_url, command_processor, amqp_topology)
    projection_runner = providers.Factory(RabbitMQProjectionRunner, config.amqp_url, projector, read_models,
                                          amqp_topology)


def build_container(settings: Settings) -> Container:
    container = Container()
    container.config.from_dict(settings.as_dict())
    return container


def init_stores(container: Container) -> None:
    """Creates what the configured stores need; running it again changes nothing."""
    if container.config.event_store() == "sqlite":
        Path(container.config.data_dir()).mkdir(parents=True, exist_ok=True)
        create_schema(container.sqlite_engine())
    if container.config.event_store() == "dynamodb":
        create_tables(container.dynamodb_client(), container.config.dynamodb_table())
    init_read_models(container)


def init_read_models(container: Container) -> None:
    """Creates the read model tables if missing; running it again changes nothing."""
    container.read_models().create_tables()
    container.command_responses().create_table()
