"""A snapshot's counts are written by ``counts_literal``: the same text ``array_literal``
makes of them (integers need no quotes), without its check."""

from __future__ import annotations

import random

from projections.nerve_centre.history import array_literal, counts_literal


def test_counts_literal_is_array_literal_of_integers() -> None:
    rng = random.Random(5)
    for size in (0, 1, 2, 7, 40):
        counts = [rng.choice([-3, -1, 1, 2, 10, 12345]) for _ in range(size)]
        assert counts_literal(counts) == array_literal(counts)
