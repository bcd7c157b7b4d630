"""The base of every domain event."""

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """A fact in the past tense. `VERSION` is the schema version of the event's data."""

    AGGREGATE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1
