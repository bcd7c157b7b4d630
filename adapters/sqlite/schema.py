"""Tables of the SQLite event store: events (the streams and the feed), outbox, snapshots, index."""

from sqlalchemy import Column, Engine, Integer, MetaData, PrimaryKeyConstraint, Table, Text, UniqueConstraint

# bounds that stand for "no limit" in the stream and snapshot queries
NO_VERSION_LIMIT = 2**62
NO_TIME_LIMIT = "9999-12-31T23:59:59.999Z"


def build_metadata() -> MetaData:
    metadata = MetaData()
    Table(
        "events", metadata,
        # an INTEGER PRIMARY KEY is SQLite's rowid: positions are assigned under the write lock
        Column("position", Integer, primary_key=True, autoincrement=False),
        Column("entity_id", Text, nullable=False),
        Column("sequence_number", Integer, nullable=False),
        Column("event_id", Text, nullable=False),
        Column("event_type", Text, nullable=False),
        Column("event_version", Integer, nullable=False),
        Column("aggregate_type", Text, nullable=False),
        Column("event_data", Text, nullable=False),
        Column("timestamp", Text, nullable=False),
        Column("user_id", Text, nullable=False),
        Column("correlation_id", Text, nullable=False),
        Column("causation_id", Text, nullable=False),
        UniqueConstraint("entity_id", "sequence_number", name="one_event_per_version"),
    )
    # The events table is the outbox: every event row is written in its command's transaction and
    # stays pending until the relay's checkpoint passes its position (the feed is gap-free).
    Table(
        "checkpoints", metadata,
        Column("name", Text, primary_key=True),
        Column("position", Integer, nullable=False),
    )
    Table(
        "snapshots", metadata,
        Column("entity_id", Text, nullable=False),
        Column("version", Integer, nullable=False),
        Column("aggregate_type", Text, nullable=False),
        Column("schema_version", Integer, nullable=False),
        Column("state", Text, nullable=False),
        Column("timestamp", Text, nullable=False),
        PrimaryKeyConstraint("entity_id", "version"),
    )
    Table("claims", metadata, Column("key", Text, primary_key=True), Column("owner", Text, nullable=False))
    Table(
        "refs", metadata,
        Column("target", Text, nullable=False),
        Column("source", Text, nullable=False),
        PrimaryKeyConstraint("target", "source"),
    )
    return metadata


def create_schema(engine: Engine) -> None:
    """Creates the tables that do not exist yet; harmless to run again."""
    build_metadata().create_all(engine)
