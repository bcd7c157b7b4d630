"""Checks every store makes on a write before touching its storage."""

from collections.abc import Sequence

from application.envelope import StreamWrite
from application.errors import AppendRefused


def check_writes(writes: Sequence[StreamWrite]) -> None:
    """Refuses a write whose sequence numbers do not continue the expected version exactly."""
    seen: set[str] = set()
    for write in writes:
        if write.entity_id in seen:
            raise AppendRefused(f"{write.entity_id} appears twice in one commit")
        seen.add(write.entity_id)
        if write.expected_version < 0:
            raise AppendRefused("expected version cannot be negative")
        for offset, event in enumerate(write.events, start=1):
            if event.entity_id != write.entity_id or event.sequence_number != write.expected_version + offset:
                raise AppendRefused(f"event {event.event_id} is not sequence number "
                                    f"{write.expected_version + offset} of {write.entity_id}")
