"""Bearer JWT authentication and the four roles: viewer, editor, pricing, admin."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

import jwt
from flask import g, request

from entrypoints.http.problems import Problem

ROLES = ("viewer", "editor", "pricing", "admin")
READ, CATALOG, PRICING, DELETE = "read", "catalog", "pricing", "delete"
# what each permission needs; admin may do everything
PERMISSIONS = {
    READ: {"viewer", "editor", "pricing", "admin"},
    CATALOG: {"editor", "admin"},
    PRICING: {"pricing", "admin"},
    DELETE: {"admin"},
}
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[str]


class TokenVerifier:
    """HS256 with a shared secret, or RS256 with a public key when one is configured.

    A token verified once is remembered (up to `remembered` of them) with its validity window:
    the same token string signs the same claims, so later requests only check the clock
    instead of the signature again.
    """

    def __init__(self, secret: str, public_key: str = "", remembered: int = 10_000,
                 clock: Callable[[], float] = time.time) -> None:
        self.secret = secret
        self.public_key = public_key
        self._remembered = remembered
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float, float]] = {}  # token -> (principal, nbf, exp)

    def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, not_before, expires = known
            if not_before <= self._clock() < expires:
                return principal
        return self._verify_signature(token)

    def _verify_signature(self, token: str) -> Principal:
        key, algorithm = (self.public_key, "RS256") if self.public_key else (self.secret, "HS256")
        try:
            claims = jwt.decode(token, key, algorithms=[algorithm], options={"require": ["sub", "exp"]})
        except jwt.PyJWTError as error:
            self._verified.pop(token, None)
            raise Problem(401, "Unauthorized", f"invalid token: {error}") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise Problem(401, "Unauthorized", "the roles claim must be a list of role names")
        principal = Principal(str(claims["sub"]), frozenset(roles) & frozenset(ROLES))
        if len(self._verified) >= self._remembered:
            self._verified.clear()  # simple and bounded; the next requests verify their tokens again
        not_before = max(float(claims.get("nbf", 0)), float(claims.get("iat", 0)))  # PyJWT refuses both early
        self._verified[token] = (principal, not_before, float(claims["exp"]))
        return principal


def mint_token(secret: str, user: str, roles: list[str], ttl_seconds: int, now: int) -> str:
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}; choose from {', '.join(ROLES)}")
    claims = {"sub": user, "roles": roles, "iat": now, "exp": now + ttl_seconds}
    return jwt.encode(claims, secret, algorithm="HS256")


def authenticate(verifier: TokenVerifier) -> None:
    """Before each request under /api/v1: the bearer token becomes g.principal."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Problem(401, "Unauthorized", "send 'Authorization: Bearer <token>'")
    g.principal = verifier.verify(token.strip())


def requires(permission: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal: Principal = g.principal
            if not principal.roles & PERMISSIONS[permission]:
                raise Problem(403, "Forbidden", f"this needs one of the roles: "
                                               f"{', '.join(sorted(PERMISSIONS[permission]))}")
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate
