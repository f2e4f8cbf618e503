"""The data-key store's cache (no database): the key last used is answered without the lock
(import13), and is forgotten, expires and is evicted exactly as the cache's other keys."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.data_keys import ERASED_KEY, DataKeyStore


def store(**kwargs: Any) -> DataKeyStore:
    return DataKeyStore(SimpleNamespace(schema="public"), "data_keys", "master", **kwargs)  # type: ignore[arg-type]


def test_a_forgotten_key_is_not_answered_even_just_after_use() -> None:
    keys, household = store(), uuid4()
    keys._remember(household, b"k" * 32)
    assert keys._cached(household) == b"k" * 32
    keys.forget(household)
    assert keys._cached(household) is None
    keys._remember(household, ERASED_KEY)
    assert keys._cached(household) == ERASED_KEY


def test_an_expired_key_is_not_answered_even_just_after_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keys, household = store(cache_seconds=60.0), uuid4()
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now)
    keys._remember(household, b"k" * 32)
    assert keys._cached(household) == b"k" * 32
    monkeypatch.setattr(time, "monotonic", lambda: now + 61.0)
    assert keys._cached(household) is None


def test_a_cache_of_no_size_keeps_no_key() -> None:
    keys, household = store(cache_size=0), uuid4()
    keys._remember(household, b"k" * 32)
    assert keys._cached(household) is None


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["remember", "ask", "forget"]), st.integers(0, 4)),
        max_size=40,
    ),
    size=st.integers(1, 3),
)
def test_the_cache_answers_as_a_plain_bounded_lru_would(
    steps: list[tuple[str, int]], size: int
) -> None:
    """Any sequence of remembering, asking and forgetting keys of five aggregates answers as
    an LRU dict of ``size`` entries (nothing expires within the test)."""
    ids = [uuid4() for _ in range(5)]
    keys, model = store(cache_size=size), dict[int, bytes]()
    for n, (step, which) in enumerate(steps):
        if step == "remember":
            key = bytes([n]) * 32
            keys._remember(ids[which], key)
            model.pop(which, None)
            model[which] = key
            while len(model) > size:
                del model[next(iter(model))]
        elif step == "forget":
            keys.forget(ids[which])
            model.pop(which, None)
        else:
            expected = model.get(which)
            assert keys._cached(ids[which]) == expected
            if expected is not None:
                model[which] = model.pop(which)  # used: the most recent
