"""A readiness probe: can a connection to the broker be opened, quickly?"""

import pika
from pika.exceptions import AMQPError

from adapters.rabbitmq.errors import BrokerUnavailable


class RabbitMQProbe:
    """Opens and closes one connection, with every wait capped at `timeout_s`."""

    def __init__(self, url: str, timeout_s: float = 2.0) -> None:
        self.parameters = pika.URLParameters(url)
        self.parameters.connection_attempts = 1
        self.parameters.retry_delay = 0
        self.parameters.socket_timeout = timeout_s
        self.parameters.stack_timeout = timeout_s
        self.parameters.blocked_connection_timeout = timeout_s

    def check(self) -> None:
        """Returns when the broker accepted a connection; raises BrokerUnavailable otherwise."""
        try:
            connection = pika.BlockingConnection(self.parameters)
        except (AMQPError, OSError) as error:
            raise BrokerUnavailable(f"RabbitMQ at {self.parameters.host}:{self.parameters.port} "
                                    f"cannot be reached ({type(error).__name__})") from None
        connection.close()
