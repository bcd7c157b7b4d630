"""Bearer JWT authentication and the four roles: viewer, editor, pricing, admin."""

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


@dataclass(frozen=True)
class TokenVerifier:
    """HS256 with a shared secret, or RS256 with a public key when one is configured."""

    secret: str
    public_key: str = ""

    def verify(self, token: str) -> Principal:
        key, algorithm = (self.public_key, "RS256") if self.public_key else (self.secret, "HS256")
        try:
            claims = jwt.decode(token, key, algorithms=[algorithm], options={"require": ["sub", "exp"]})
        except jwt.PyJWTError as error:
            raise Problem(401, "Unauthorized", f"invalid token: {error}") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
            raise Problem(401, "Unauthorized", "the roles claim must be a list of role names")
        return Principal(str(claims["sub"]), frozenset(roles) & frozenset(ROLES))


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
