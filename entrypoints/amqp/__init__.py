"""The RabbitMQ entry points: the outbox relay, the command consumer, the projection runner
and the replay of events for downstream recovery."""
