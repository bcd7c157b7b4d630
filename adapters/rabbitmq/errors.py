"""The broker's failures, translated from pika's at this boundary."""

from application.errors import ApplicationError


class BrokerUnavailable(ApplicationError):
    """RabbitMQ cannot be reached, or closed the connection or channel; the work may be retried."""


class PublishFailed(BrokerUnavailable):
    """A batch was not confirmed as a whole; `confirmed` is how many of its first messages were."""

    def __init__(self, message: str, confirmed: int) -> None:
        super().__init__(message)
        self.confirmed = confirmed
