"""Settings from environment variables, over defaults that an optional YAML file may add.

Every variable is documented in README.md. `PRODUCT_SERVICE_CONFIG` names the YAML file.
"""

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import yaml

EVENT_STORES = ("sqlite", "dynamodb", "memory")
BROKERS = ("inline", "rabbitmq")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")

# setting name -> environment variable
ENVIRONMENT = {
    "event_store": "PRODUCT_SERVICE_EVENT_STORE",
    "broker": "PRODUCT_SERVICE_BROKER",
    "data_dir": "PRODUCT_SERVICE_DATA_DIR",
    "read_model_url": "PRODUCT_SERVICE_READ_MODEL_URL",
    "amqp_url": "AMQP_URL",
    "dynamodb_endpoint_url": "DYNAMODB_ENDPOINT_URL",
    "aws_region": "AWS_REGION",
    "dynamodb_table": "PRODUCT_SERVICE_DYNAMODB_TABLE",
    "dynamodb_feed_shards": "PRODUCT_SERVICE_DYNAMODB_FEED_SHARDS",
    "snapshot_every": "PRODUCT_SERVICE_SNAPSHOT_EVERY",
    "aggregate_cache": "PRODUCT_SERVICE_AGGREGATE_CACHE",
    "sqlite_synchronous": "PRODUCT_SERVICE_SQLITE_SYNCHRONOUS",
    "jwt_secret": "PRODUCT_SERVICE_JWT_SECRET",
    "jwt_public_key": "PRODUCT_SERVICE_JWT_PUBLIC_KEY",
    "log_level": "PRODUCT_SERVICE_LOG_LEVEL",
}


class SettingsError(ValueError):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class Settings:
    event_store: str = "sqlite"
    broker: str = "inline"
    data_dir: str = "./var"
    read_model_url: str = ""  # empty: an SQLite file in data_dir
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    dynamodb_endpoint_url: str = ""  # empty: AWS itself
    aws_region: str = "us-east-1"
    dynamodb_table: str = "product-events"
    dynamodb_feed_shards: int = 4  # fixed for the life of the tables: an entity's shard must never change
    snapshot_every: int = 50
    aggregate_cache: int = 10_000  # aggregates kept in memory per process; 0 turns the cache off
    sqlite_synchronous: str = "FULL"
    jwt_secret: str = "local-development-secret-change-me-in-production"
    jwt_public_key: str = ""  # set: tokens are RS256, verified with this PEM key
    log_level: str = "INFO"

    @property
    def event_db_path(self) -> str:
        return str(Path(self.data_dir) / "events.db")

    @property
    def read_model_database(self) -> str:
        return self.read_model_url or f"sqlite:///{Path(self.data_dir) / 'read_models.db'}"

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "event_db_path": self.event_db_path,
                "read_model_database": self.read_model_database}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = _yaml_defaults(environ.get("PRODUCT_SERVICE_CONFIG", ""))
    values.update({name: environ[var] for name, var in ENVIRONMENT.items() if environ.get(var)})
    return _validated(values)


def _yaml_defaults(path: str) -> dict[str, Any]:
    if not path:
        return {}
    loaded = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(loaded, dict):
        raise SettingsError(f"{path} must hold a mapping of setting names to values")
    unknown = set(loaded) - set(ENVIRONMENT)
    if unknown:
        raise SettingsError(f"{path} has unknown settings: {', '.join(sorted(unknown))}")
    return loaded


def _validated(values: dict[str, Any]) -> Settings:
    types = {field.name: field.type for field in fields(Settings)}
    try:
        settings = Settings(**{k: int(v) if types[k] is int else str(v) for k, v in values.items()})
    except ValueError as error:
        raise SettingsError(f"a numeric setting is not a number: {error}") from None
    settings = replace(settings, log_level=settings.log_level.upper())  # "info" will do
    if settings.event_store not in EVENT_STORES:
        raise SettingsError(f"PRODUCT_SERVICE_EVENT_STORE must be one of {', '.join(EVENT_STORES)}")
    if settings.log_level not in LOG_LEVELS:
        raise SettingsError(f"PRODUCT_SERVICE_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
    if settings.broker not in BROKERS:
        raise SettingsError(f"PRODUCT_SERVICE_BROKER must be one of {', '.join(BROKERS)}")
    if settings.snapshot_every < 0:
        raise SettingsError("PRODUCT_SERVICE_SNAPSHOT_EVERY must be 0 (off) or more")
    if settings.dynamodb_feed_shards < 1:
        raise SettingsError("PRODUCT_SERVICE_DYNAMODB_FEED_SHARDS must be 1 or more")
    if settings.aggregate_cache < 0:
        raise SettingsError("PRODUCT_SERVICE_AGGREGATE_CACHE must be 0 (off) or more")
    return settings
