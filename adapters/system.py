"""The real clock and id generator."""

import uuid
from datetime import UTC, datetime

from application.ports import Clock, IdGenerator


class SystemClock(Clock):
    def now(self) -> datetime:
        moment = datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class Uuid4Generator(IdGenerator):
    def new_id(self) -> str:
        return str(uuid.uuid4())
