"""Entry points: the HTTP app, the message consumer, the runners, the CLI and the DI container."""
