"""Replay: publishes the events of the feed again from a position, for downstream recovery.

Replayed messages are the relay's messages (same message_id, routing key and body) with an
`x-replayed` header; the outbox checkpoint is not touched.
"""

from collections.abc import Callable, Sequence

from adapters.rabbitmq import RabbitMQConfirmingPublisher, event_message
from application.mapper import EventMapper
from application.ports import EventStore

COUNTING_PAGE = 5000


def count_from(store: EventStore, shards: Sequence[int], from_position: int) -> int:
    """How many events the shards hold at or after the position."""
    count = 0
    for shard in shards:
        after = from_position - 1
        while events := store.read_feed(shard, after, COUNTING_PAGE):
            count += len(events)
            after = events[-1].position
    return count


def replay(store: EventStore, mapper: EventMapper, publisher: RabbitMQConfirmingPublisher, from_position: int,
           shards: Sequence[int], batch_size: int = 500, on_progress: Callable[[int, int, int], None] | None = None,
           ) -> int:
    """Publishes, with confirms and in feed order, each shard's events from `from_position` on;
    how many. `on_progress(done, shard, position)` follows each confirmed batch. Raises
    BrokerUnavailable if the broker fails (the progress says where to resume)."""
    done = 0
    for shard in shards:
        after = from_position - 1
        while events := store.read_feed(shard, after, batch_size):
            publisher.publish([event_message(mapper.upcast(event), replayed=True) for event in events])
            after = events[-1].position
            done += len(events)
            if on_progress is not None:
                on_progress(done, shard, after)
    return done
