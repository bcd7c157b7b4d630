"""`token`: a local development JWT, HS256-signed with the configured secret."""

import argparse
import sys
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import jwt
from jwt.warnings import InsecureKeyLengthWarning

from entrypoints.http.auth import ROLES
from entrypoints.settings import Settings

__all__ = ["ROLES", "mint_token", "token"]
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash


def mint_token(secret: str, user: str, roles: Sequence[str], ttl: timedelta, now: datetime) -> str:
    """A signed token for `user` (the `sub` claim) with `roles`, valid from `now` for `ttl`."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise ValueError(f"unknown roles: {', '.join(unknown)}")
    claims = {"sub": user, "roles": list(dict.fromkeys(roles)), "iat": now, "exp": now + ttl}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # `token` says so in its own words
        return jwt.encode(claims, secret, algorithm="HS256")


def token(args: argparse.Namespace, settings: Settings) -> int:
    """Prints only the token, so that `TOKEN=$(product-service token ...)` works."""
    if settings.jwt_public_key:
        _warn("the service verifies RS256 tokens (PRODUCT_SERVICE_JWT_PUBLIC_KEY is set): it will refuse this one")
    if len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
        _warn(f"PRODUCT_SERVICE_JWT_SECRET is shorter than {MIN_SECRET_BYTES} bytes: fine on a laptop, not beyond")
    now = datetime.now(UTC).replace(microsecond=0)
    print(mint_token(settings.jwt_secret, args.user, args.roles, timedelta(minutes=args.ttl_minutes), now))
    return 0


def _warn(message: str) -> None:
    print(f"product-service: warning: {message}", file=sys.stderr)
