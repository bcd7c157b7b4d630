"""The application's error hierarchy; adapters translate driver errors into these."""


class ApplicationError(Exception):
    """Base of every error raised by the application layer and its ports."""


class NotFound(ApplicationError):
    """The entity asked for does not exist (or never existed at the time asked)."""


class AlreadyExists(ApplicationError):
    """A create command names an id whose stream already exists."""


class ConcurrencyError(ApplicationError):
    """The stream moved since it was read: the expected version no longer holds."""


class UniquenessViolation(ApplicationError):
    """A unique key (a SKU, a slug) is already held by another entity."""

    def __init__(self, key: str, owner: str | None = None) -> None:
        super().__init__(f"{key} is already taken" + (f" by {owner}" if owner else ""))
        self.key = key
        self.owner = owner


class DuplicateCommand(ApplicationError):
    """A command with this idempotency key was already carried out; `owner` holds the key (the
    first event of the commit that claimed it)."""

    def __init__(self, key: str, owner: str | None) -> None:
        super().__init__(f"{key} was already carried out")
        self.key = key
        self.owner = owner


class MissingReference(ApplicationError):
    """A write refers to an entity (a category) that does not exist."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} does not exist")
        self.key = key


class StillReferenced(ApplicationError):
    """An entity cannot be retired while others still refer to it."""

    def __init__(self, key: str) -> None:
        super().__init__(f"{key} is still referred to")
        self.key = key


class AppendRefused(ApplicationError):
    """The store refuses the write as a whole (too large, malformed); nothing was written."""


class StoreUnavailable(ApplicationError):
    """The storage backend cannot be reached or failed; the operation may be retried."""


class UnknownEventVersion(ApplicationError):
    """A stored event's schema version cannot be brought to the one this code knows."""
