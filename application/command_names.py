"""A command's name (its causation id, the same for every retry of it) and what follows from it:
the ids of the entities it creates without naming them, and the events it appended."""

import uuid

from application.envelope import StoredEvent
from application.handlers import stream_of
from application.ports import EventStore
from domain.commands import Command

COMMAND_IDS = uuid.UUID("5d0f8a53-3f4e-4c3b-9b8e-2f7c1d6a9e41")


def derived_id(command_name: str, role: str) -> str:
    """The id of an entity (`role`: a product, say) the command creates without naming it: the
    same for every retry, so that a retry names the same entity."""
    return str(uuid.uuid5(COMMAND_IDS, f"{role}:{command_name}"))


def caused_by(store: EventStore, command: Command, command_name: str) -> list[StoredEvent]:
    """The events the command, under that name, appended to its stream (none: it was not carried out)."""
    return [event for event in store.load(stream_of(command)) if event.causation_id == command_name]
