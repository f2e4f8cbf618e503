"""Access tokens: a verified token is remembered, but never past its expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from api.auth.tokens import InvalidToken, Tokens
from domain.access.principal import Principal, Role

SECRET = "a-test-secret-that-is-long-enough-for-hs256"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def principal() -> Principal:
    return Principal("u1", "thandi", frozenset({Role.FIELD_WORKER}), frozenset({"ward:W1"}))


def test_a_remembered_token_still_expires() -> None:
    clock = Clock()
    tokens = Tokens(SECRET, timedelta(minutes=15), timedelta(hours=12), clock)
    token = tokens.issue(principal(), generation=3).access_token

    first, again = tokens.verify_access(token), tokens.verify_access(token)
    assert first == again and first.generation == 3 and first.principal.username == "thandi"

    clock.now += timedelta(minutes=16)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify_access(token)


def test_a_token_signed_with_another_key_is_refused_even_beside_a_remembered_one() -> None:
    clock = Clock()
    ours = Tokens(SECRET, timedelta(minutes=15), timedelta(hours=12), clock)
    theirs = Tokens(
        "another-secret-that-is-long-enough-too!!", ours.access_ttl, ours.refresh_ttl, clock
    )
    ours.verify_access(ours.issue(principal(), 0).access_token)

    with pytest.raises(InvalidToken):
        ours.verify_access(theirs.issue(principal(), 0).access_token)


def test_a_token_issued_in_the_future_is_refused_beyond_the_leeway() -> None:
    clock = Clock()
    tokens = Tokens(SECRET, timedelta(minutes=15), timedelta(hours=12), clock)
    clock.now += timedelta(seconds=30)
    skewed = tokens.issue(principal(), 0)
    clock.now += timedelta(minutes=5)
    ahead = tokens.issue(principal(), 0)
    clock.now -= timedelta(minutes=5, seconds=30)

    assert tokens.verify_access(skewed.access_token).principal.username == "thandi"
    with pytest.raises(InvalidToken, match="future"):
        tokens.verify_access(ahead.access_token)
    with pytest.raises(InvalidToken, match="future"):
        tokens.verify_refresh(ahead.refresh_token)
