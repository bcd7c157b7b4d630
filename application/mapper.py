"""Turns domain events into JSON-ready data and back, upcasting old schema versions on read."""

import copy
import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from application.envelope import StoredEvent, format_timestamp, parse_timestamp
from application.errors import UnknownEventVersion
from domain.events.base import DomainEvent

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]
Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def _converters_for(hint: Any) -> tuple[Converter, Converter]:
    """(encode, decode) for one field's type; None passes through untouched."""
    args = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1:
        encode, decode = _converters_for(args[0])
        return (lambda v: None if v is None else encode(v)), (lambda v: None if v is None else decode(v))
    if hint is Decimal:
        return str, Decimal
    if hint is datetime:
        return format_timestamp, parse_timestamp
    if typing.get_origin(hint) is tuple:
        return list, tuple
    return _identity, _identity


class _EventCodec:
    def __init__(self, event_class: type[DomainEvent]) -> None:
        hints = typing.get_type_hints(event_class)
        self.event_class = event_class
        self.fields = [(field.name, *_converters_for(hints[field.name]))
                       for field in dataclasses.fields(event_class)]
        self.plain = all(encode is _identity for _, encode, _ in self.fields)
        self.names = tuple(name for name, _, _ in self.fields)
        self.decoded = tuple((name, decode) for name, _, decode in self.fields if decode is not _identity)
        # fields that default to None are left out when None: an event carries what changed
        self.optional = frozenset(field.name for field in dataclasses.fields(event_class) if field.default is None)

    def encode(self, event: DomainEvent) -> dict[str, Any]:
        data = {name: encode(getattr(event, name)) for name, encode, _ in self.fields}
        return {name: value for name, value in data.items() if value is not None or name not in self.optional}

    def decode(self, data: Mapping[str, Any]) -> DomainEvent:
        if self.plain:
            return self.event_class(**data)
        values = {name: data.get(name) for name in self.names}
        for name, decode in self.decoded:
            if name in data:
                values[name] = decode(data[name])
        return self.event_class(**values)


class EventMapper:
    """Knows every event class by name, and the upcasters from each old schema version."""

    def __init__(self, event_classes: Iterable[type[DomainEvent]],
                 upcasters: Mapping[tuple[str, int], Upcaster] | None = None) -> None:
        self._codecs = {cls.__name__: _EventCodec(cls) for cls in event_classes}
        self._upcasters = dict(upcasters or {})

    def to_data(self, event: DomainEvent) -> dict[str, Any]:
        return self._codecs[type(event).__name__].encode(event)

    def to_event(self, stored: StoredEvent) -> DomainEvent:
        return self.decode_upcast(self.upcast(stored))

    def decode_upcast(self, upcast: StoredEvent) -> DomainEvent:
        """The event of a stored event `upcast` has already brought to its current schema."""
        return self._codecs[upcast.event_type].decode(upcast.data)

    def event_class(self, event_type: str) -> type[DomainEvent]:
        return self._codecs[event_type].event_class

    def to_events(self, stored: Iterable[StoredEvent]) -> list[DomainEvent]:
        codecs, upcast = self._codecs, self.upcast
        return [codecs[event.event_type].decode(upcast(event).data) for event in stored]

    def upcast(self, stored: StoredEvent) -> StoredEvent:
        """The stored event in its class's current schema; the stored copy is never changed."""
        target = self._codecs[stored.event_type].event_class.VERSION
        if stored.event_version == target:
            return stored
        if stored.event_version > target:
            raise UnknownEventVersion(f"{stored.event_type} version {stored.event_version} is newer than "
                                      f"this code knows (version {target})")
        data, version = copy.deepcopy(stored.data), stored.event_version
        while version < target:
            upcaster = self._upcasters.get((stored.event_type, version))
            if upcaster is None:
                raise UnknownEventVersion(f"no upcaster for {stored.event_type} version {version}")
            data = upcaster(data)
            version += 1
        return stored._replace(data=data, event_version=version)
