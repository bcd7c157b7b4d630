"""The pure catalog domain: aggregates, events, commands and value objects.

Nothing here imports anything outside the standard library.
"""
