"""The `product-service` console command: one subcommand per operation (see `parser`)."""

from entrypoints.cli.main import main

__all__ = ["main"]
