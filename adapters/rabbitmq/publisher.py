"""Publishing with publisher confirms, a batch at a time: every message of the batch is written
at once and the batch waits for the broker's (cumulative) acks, so a batch of N costs one round
trip, not N. pika's SelectConnection gives the asynchronous confirms; this class drives its I/O
loop from the caller's thread, which makes the API plain and blocking.
"""

import logging
import time
from collections.abc import Callable, Sequence

import pika
from pika.adapters.select_connection import SelectConnection
from pika.channel import Channel
from pika.frame import Method

from adapters.rabbitmq.errors import BrokerUnavailable, PublishFailed
from adapters.rabbitmq.event_messages import OutgoingMessage
from adapters.rabbitmq.topology import Topology

log = logging.getLogger(__name__)


class RabbitMQConfirmingPublisher:
    """Publishes to the events exchange (declared durable topic) on one channel in confirm mode.

    Not thread-safe: one thread owns it. A failure closes the connection; the next call opens a
    new one.
    """

    def __init__(self, url: str, topology: Topology | None = None, connect_timeout_s: float = 5.0,
                 confirm_timeout_s: float = 30.0) -> None:
        self.parameters = pika.URLParameters(url)
        self.parameters.connection_attempts = 1
        self.parameters.socket_timeout = connect_timeout_s
        self.exchange = (topology or Topology()).events_exchange
        self.connect_timeout_s = connect_timeout_s
        self.confirm_timeout_s = confirm_timeout_s
        self._connection: SelectConnection | None = None
        self._channel: Channel | None = None
        self._ready = False
        self._failure: str | None = None
        self._issued = 0  # delivery tags issued on the open channel
        self._unconfirmed: set[int] = set()
        self._nacked: set[int] = set()
        self._waiting_for: Callable[[], bool] | None = None
        self._running: SelectConnection | None = None  # the connection whose I/O loop runs now

    def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Publishes the messages in order and returns once the broker has confirmed them all.

        Raises BrokerUnavailable when no connection can be made, PublishFailed (saying how many
        of the first messages were confirmed) when the batch was not confirmed as a whole.
        """
        if not messages:
            return
        connection, channel = self._open_channel()
        first = self._issued + 1
        for message in messages:
            channel.basic_publish(self.exchange, message.routing_key, message.body, message.properties)
        self._issued += len(messages)
        self._unconfirmed.update(range(first, self._issued + 1))
        self._run_until(connection, lambda: not self._unconfirmed, self.confirm_timeout_s)
        if self._unconfirmed or self._nacked or self._failure:
            confirmed = self._confirmed_prefix(first, len(messages))
            reason = self._failure or ("the broker refused some messages" if self._nacked else
                                       f"no confirm within {self.confirm_timeout_s}s")
            self.close()
            raise PublishFailed(f"{reason}; {confirmed} of {len(messages)} confirmed", confirmed)

    def pause(self, seconds: float) -> None:
        """Waits, keeping an open connection serviced (heartbeats, a close by the broker)."""
        connection = self._connection
        if connection is None or not self._ready:
            time.sleep(seconds)
            return
        self._run_until(connection, lambda: False, seconds)
        if self._failure:
            self.close()

    def close(self) -> None:
        """Closes the connection, if one is open; harmless to repeat."""
        connection, self._connection = self._connection, None
        self._channel, self._ready = None, False
        self._issued = 0
        self._unconfirmed.clear()
        self._nacked.clear()
        if connection is None:
            return
        self._failure = None  # what failed is reported; now only the closing counts
        try:
            if connection.is_open:
                connection.close()
            self._run_until(connection, lambda: connection.is_closed, 2.0)
        except Exception:  # a connection that failed may refuse even to close; it is dropped anyway
            log.debug("closing the publisher's connection failed", exc_info=True)
        finally:
            connection.ioloop.close()  # its poller and wake-up sockets

    # the connection

    def _open_channel(self) -> tuple[SelectConnection, Channel]:
        connection, channel = self._connection, self._channel
        if self._ready and connection is not None and channel is not None and self._failure is None:
            return connection, channel
        self.close()
        self._failure = None
        try:
            connection = SelectConnection(
                self.parameters, on_open_callback=self._on_open, on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_closed)
        except Exception as error:
            raise BrokerUnavailable(f"cannot connect to RabbitMQ: {error}") from error
        self._connection = connection
        self._run_until(connection, lambda: self._ready, self.connect_timeout_s)
        if not self._ready or self._channel is None:
            reason = self._failure or f"no connection within {self.connect_timeout_s}s"
            self.close()
            raise BrokerUnavailable(f"cannot connect to RabbitMQ: {reason}")
        return connection, self._channel

    def _on_open(self, connection: SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.exchange_declare(self.exchange, exchange_type="topic", durable=True,
                                 callback=lambda _: channel.confirm_delivery(self._on_confirm, self._on_confirming))

    def _on_confirming(self, _: Method) -> None:
        self._ready = True
        self._wake()

    def _on_open_error(self, _: SelectConnection, error: BaseException | str) -> None:
        self._failure = f"{error!r}"
        self._wake()

    def _on_closed(self, _: SelectConnection, reason: BaseException) -> None:
        self._failure = self._failure or f"connection closed: {reason!r}"
        self._ready = False
        self._wake()

    def _on_channel_closed(self, _: Channel, reason: BaseException) -> None:
        self._failure = self._failure or f"channel closed: {reason!r}"
        self._ready = False
        if self._connection is not None and self._connection.is_open:
            self._connection.close()
        self._wake()

    def _on_confirm(self, frame: Method) -> None:
        method = frame.method
        tag, multiple = method.delivery_tag, method.multiple
        confirmed = {t for t in self._unconfirmed if t <= tag} if multiple else {tag} & self._unconfirmed
        self._unconfirmed -= confirmed
        if isinstance(method, pika.spec.Basic.Nack):
            self._nacked |= confirmed
        self._wake()

    def _confirmed_prefix(self, first: int, count: int) -> int:
        for offset in range(count):
            tag = first + offset
            if tag in self._unconfirmed or tag in self._nacked:
                return offset
        return count

    # the I/O loop, run from the caller's thread

    def _run_until(self, connection: SelectConnection, done: Callable[[], bool], timeout_s: float) -> None:
        """Runs the connection's I/O until `done()`, a failure, or the timeout."""
        if done() or self._failure is not None:
            return
        ioloop = connection.ioloop
        self._waiting_for, self._running = done, connection
        timer = ioloop.call_later(timeout_s, ioloop.stop)
        try:
            ioloop.start()
        finally:
            ioloop.remove_timeout(timer)
            self._waiting_for, self._running = None, None

    def _wake(self) -> None:
        """Called by every callback: stops the I/O loop once what it runs for has happened."""
        done, running = self._waiting_for, self._running
        if running is not None and (self._failure is not None or (done is not None and done())):
            running.ioloop.stop()
