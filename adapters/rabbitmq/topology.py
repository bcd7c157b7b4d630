"""The exchanges and queues the service uses, and their declarations (all durable).

The defaults are the names the rest of the platform knows; tests give other names so that
they cannot disturb each other.
"""

from dataclasses import dataclass

from pika.adapters.blocking_connection import BlockingChannel


@dataclass(frozen=True)
class Topology:
    """The names of the exchanges and queues."""

    events_exchange: str = "product.events"  # topic; routing key <aggregate>.<event>
    commands_queue: str = "product.commands"
    dead_letter_exchange: str = "product.commands.dlx"  # fanout to the dead-letter queue
    dead_letter_queue: str = "product.commands.dead"
    projections_queue: str = "product.projections"  # bound to every event

    def with_suffix(self, suffix: str) -> "Topology":
        """The same topology under names that end in `suffix`."""
        return Topology(*(f"{name}{suffix}" for name in (
            self.events_exchange, self.commands_queue, self.dead_letter_exchange, self.dead_letter_queue,
            self.projections_queue)))


def declare_events(channel: BlockingChannel, topology: Topology) -> None:
    """The events exchange (durable topic)."""
    channel.exchange_declare(topology.events_exchange, exchange_type="topic", durable=True)


def declare_commands(channel: BlockingChannel, topology: Topology) -> None:
    """The command queue, and the dead-letter exchange and queue that catch what it rejects."""
    channel.exchange_declare(topology.dead_letter_exchange, exchange_type="fanout", durable=True)
    channel.queue_declare(topology.dead_letter_queue, durable=True)
    channel.queue_bind(topology.dead_letter_queue, topology.dead_letter_exchange)
    channel.queue_declare(topology.commands_queue, durable=True,
                          arguments={"x-dead-letter-exchange": topology.dead_letter_exchange})


def declare_projections(channel: BlockingChannel, topology: Topology) -> None:
    """The projection runner's queue, bound to every event."""
    declare_events(channel, topology)
    channel.queue_declare(topology.projections_queue, durable=True)
    channel.queue_bind(topology.projections_queue, topology.events_exchange, routing_key="#")
