"""Business-rule refusals, as the `error` of a `rejected` reply: a code and a message.

These are answers, not failures: the command was understood and judged. Anything not listed
here is not a refusal (see the processor: transient, or a fault).
"""

from application import errors as app_errors
from domain import errors as domain_errors

REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (domain_errors.InvalidValue, "invalid_value"),
    (domain_errors.EntityDeleted, "deleted"),
    (domain_errors.UnknownPart, "not_found"),
    (domain_errors.RuleViolation, "rule_violated"),
    (app_errors.NotFound, "not_found"),
    (app_errors.MissingReference, "unknown_reference"),
    (app_errors.UniquenessViolation, "already_taken"),
    (app_errors.AlreadyExists, "already_exists"),
    (app_errors.StillReferenced, "still_referenced"),
    (app_errors.ConcurrencyError, "concurrent_change"),
    (app_errors.AppendRefused, "refused"),
)
REFUSAL_TYPES = tuple(kind for kind, _ in REFUSALS)


def refusal(error: Exception) -> dict[str, str]:
    """The reply's `error` for a refused command."""
    code = next(code for kind, code in REFUSALS if isinstance(error, kind))
    return {"code": code, "message": str(error)}
