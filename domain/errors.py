"""Errors the domain raises when a command breaks a rule or carries a bad value."""


class DomainError(Exception):
    """Base of every error the domain raises."""


class InvalidValue(DomainError):
    """A value is malformed or out of range; `field` names the offending input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RuleViolation(DomainError):
    """A well-formed command that the aggregate's current state does not allow."""


class UnknownPart(DomainError):
    """A command names a part of the aggregate (a discount) that it does not have."""


class EntityDeleted(RuleViolation):
    """The aggregate was deleted and accepts no further commands."""
