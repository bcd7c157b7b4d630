"""Answers to idempotent commands, kept in an SQL table beside the read models; the database's
failures are the port's StoreUnavailable (503), as the read models' are."""

from datetime import UTC, datetime

import orjson
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, Table, Text, insert, select
from sqlalchemy.exc import IntegrityError

from adapters.read_models.engine import translated_errors
from application.ports import CommandResponses, StoredResponse


class SqlCommandResponses(CommandResponses):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata = MetaData()
        self.table = Table(
            "command_responses", self.metadata,
            Column("key", Text, primary_key=True),
            Column("fingerprint", Text, nullable=False),
            Column("status", Integer, nullable=False),
            Column("body", Text, nullable=False),
            Column("headers", Text, nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
        )

    def create_table(self) -> None:
        self.metadata.create_all(self.engine)

    def get(self, key: str) -> StoredResponse | None:
        with translated_errors(), self.engine.connect() as connection:
            row = connection.execute(select(self.table).where(self.table.c.key == key)).first()
        if row is None:
            return None
        return StoredResponse(row.fingerprint, row.status, row.body, orjson.loads(row.headers))

    def put(self, key: str, response: StoredResponse) -> None:
        row = {"key": key, "fingerprint": response.fingerprint, "status": response.status, "body": response.body,
               "headers": orjson.dumps(response.headers).decode(), "created_at": datetime.now(UTC)}
        with translated_errors():
            try:
                with self.engine.begin() as connection:
                    connection.execute(insert(self.table).values(**row))
            except IntegrityError:
                pass  # a concurrent retry stored the same answer first
