"""Bearer tokens: a token is verified by its signature once, then only its validity window is checked."""

import time

import jwt
import pytest

from entrypoints.http.auth import Principal, TokenVerifier
from entrypoints.http.problems import Problem

SECRET = "a-unit-test-secret-that-is-long-enough"


def token(**claims: object) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "alice", "roles": ["editor"], "iat": now, "exp": now + 60, **claims}, SECRET,
                      algorithm="HS256")


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_a_valid_token_names_the_user_and_the_known_roles():
    assert TokenVerifier(SECRET).verify(token(roles=["editor", "root"])) == Principal("alice", frozenset({"editor"}))


def test_a_remembered_token_is_refused_once_it_expires():
    verifier = TokenVerifier(SECRET)
    expiring = token(exp=int(time.time()) + 1)
    verifier.verify(expiring)
    verifier.verify(expiring)

    time.sleep(max(0.0, jwt.decode(expiring, SECRET, algorithms=["HS256"])["exp"] - time.time()) + 0.05)
    with pytest.raises(Problem) as refused:
        verifier.verify(expiring)

    assert refused.value.status == 401 and "expired" in refused.value.detail


def test_the_memory_is_not_consulted_outside_the_validity_window():
    clock = Clock()
    verifier = TokenVerifier(SECRET, clock=clock)
    expiring = token(exp=int(clock.now) + 30)
    verifier.verify(expiring)
    verifier._verified[expiring] = (Principal("someone-else", frozenset()), 0.0, clock.now + 30)

    remembered = verifier.verify(expiring)
    clock.now += 31
    verified_again = verifier.verify(expiring)

    assert remembered.user_id == "someone-else" and verified_again.user_id == "alice"


def test_a_token_signed_with_another_key_is_refused_every_time():
    verifier = TokenVerifier(SECRET)
    claims = {"sub": "mallory", "roles": ["admin"], "exp": int(time.time()) + 60}
    forged = jwt.encode(claims, "another-secret-key-of-the-same-length-xx", algorithm="HS256")

    for _ in range(2):
        with pytest.raises(Problem) as refused:
            verifier.verify(forged)
        assert refused.value.status == 401


def test_a_token_not_yet_valid_is_refused_even_after_it_was_seen():
    clock = Clock()
    verifier = TokenVerifier(SECRET, clock=clock)
    early = token(nbf=int(clock.now) + 3600)

    with pytest.raises(Problem):
        verifier.verify(early)
    with pytest.raises(Problem):
        verifier.verify(early)


def test_the_memory_of_verified_tokens_is_bounded():
    verifier = TokenVerifier(SECRET, remembered=3)
    for user in range(10):
        assert verifier.verify(token(sub=f"user-{user}")).user_id == f"user-{user}"

    assert len(verifier._verified) <= 3
