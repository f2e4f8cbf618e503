"""Disclosure control of the open figures, without a database: random area trees and counts,
suppressed, then attacked by an adversary who knows every published figure and the rules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from projections.open_data.disclosure import (
    PROVINCE,
    Cell,
    Node,
    Status,
    Tree,
    area_tree,
    audit,
    suppress,
)
from sukuma.settings import Settings


@st.composite
def worlds(draw: st.DrawFn) -> tuple[Tree, dict[Node, int], bool]:
    """A small province: districts > municipalities > wards, with a count per ward."""
    children: dict[Node, tuple[Node, ...]] = {}
    districts = [("district", f"D{d}") for d in range(draw(st.integers(1, 3)))]
    children[PROVINCE] = tuple(districts)
    wards: list[Node] = []
    for district in districts:
        munis = [("municipality", f"{district[1]}M{m}") for m in range(draw(st.integers(1, 3)))]
        children[district] = tuple(munis)
        for muni in munis:
            kids = [("ward", f"{muni[1]}W{w}") for w in range(draw(st.integers(1, 4)))]
            children[muni] = tuple(kids)
            wards += kids
    values = {w: draw(st.integers(0, 12)) for w in wards}
    return Tree(children), values, draw(st.booleans())


def leaves(tree: Tree, node: Node) -> Iterator[Node]:
    kids = tree.children.get(node, ())
    if not kids:
        yield node
    for kid in kids:
        yield from leaves(tree, kid)


def totals(tree: Tree, wards: dict[Node, int]) -> dict[Node, int]:
    return {node: sum(wards[w] for w in leaves(tree, node)) for node in tree.top_down()}


def cells_of(tree: Tree, wards: dict[Node, int], households_ratio: bool) -> dict[Node, Cell]:
    # value == households, or a value counting fewer households (several needs each)
    return {
        n: Cell(v, v if households_ratio else (v + 1) // 2) for n, v in totals(tree, wards).items()
    }


def another_value(
    tree: Tree, wards: dict[Node, int], status: dict[Node, Status], target: Node, k: int,
    bounded: bool,
) -> bool:  # fmt: skip
    """Whether the attacker's constraints (every published figure, the tree's sums, counts
    >= 0, and primaries < k when values count households) allow ``target`` another value:
    try every table one household away and see if every published figure stays."""
    published = {n: v for n, v in totals(tree, wards).items() if status[n] is Status.PUBLISHED}
    before = totals(tree, wards)[target]
    for moved in neighbours(wards):
        after = totals(tree, moved)
        if any(after[n] != v for n, v in published.items()):
            continue
        if bounded and any(after[n] >= k for n in after if status[n] is Status.PRIMARY):
            continue
        if after[target] != before:
            return True
    return False


def neighbours(wards: dict[Node, int]) -> Iterator[dict[Node, int]]:
    """Counts one household away: one more or one fewer in a ward, or one moved."""
    for ward in wards:
        yield {**wards, ward: wards[ward] + 1}
        if wards[ward]:
            yield {**wards, ward: wards[ward] - 1}
            for sink in wards:
                if sink != ward:
                    yield {**wards, ward: wards[ward] - 1, sink: wards[sink] + 1}


@settings(max_examples=300, deadline=None)
@given(worlds(), st.integers(3, 6))
def test_no_suppressed_count_can_be_worked_out_from_the_published_ones(
    world: tuple[Tree, dict[Node, int], bool], k: int
) -> None:
    tree, wards, bounded = world
    cells = cells_of(tree, wards, bounded)

    status = suppress(tree, cells, k, value_is_households=bounded)

    assert audit(tree, cells, status, k, value_is_households=bounded) == []
    for node, state in status.items():
        if state is Status.PUBLISHED:
            assert cells[node].households >= k
            continue
        # A suppressed count is pinned only when it and every other it could trade with are
        # zero: "nobody" is not about anybody.
        if not another_value(tree, wards, status, node, k, bounded):
            assert cells[node].value == 0, (node, status, wards)


def test_a_lone_small_ward_gets_a_partner_and_its_inside_is_hidden_with_it() -> None:
    tree = Tree({
        PROVINCE: (("district", "D"),),
        ("district", "D"): (("municipality", "M1"), ("municipality", "M2")),
        ("municipality", "M1"): (("ward", "A"), ("ward", "B")),
        ("municipality", "M2"): (("ward", "C"), ("ward", "D")),
    })  # fmt: skip
    wards = {("ward", "A"): 2, ("ward", "B"): 9, ("ward", "C"): 7, ("ward", "D"): 8}
    cells = cells_of(tree, wards, True)

    status = suppress(tree, cells, 5, value_is_households=True)

    # A (2) is under k; B is all that is left beside it in M1, so it is suppressed too.
    assert status[("ward", "A")] is Status.PRIMARY
    assert status[("ward", "B")] is Status.COMPLEMENT
    assert status[("municipality", "M1")] is Status.PUBLISHED
    assert status[("ward", "C")] is status[("ward", "D")] is Status.PUBLISHED


def test_two_wards_at_k_minus_one_are_not_left_as_a_pair_their_sum_would_give_away() -> None:
    tree = Tree({
        PROVINCE: (("municipality", "M"),),
        ("municipality", "M"): (("ward", "A"), ("ward", "B"), ("ward", "C")),
    })  # fmt: skip
    wards = {("ward", "A"): 4, ("ward", "B"): 4, ("ward", "C"): 6}
    cells = cells_of(tree, wards, True)

    status = suppress(tree, cells, 5, value_is_households=True)

    # 14 - 6 = 8 = 4 + 4 would pin both at 4: C is suppressed as well.
    assert status[("ward", "C")] is Status.COMPLEMENT
    assert audit(tree, cells, status, 5, value_is_households=True) == []


def test_the_threshold_is_never_below_three() -> None:
    with pytest.raises(ValueError, match="at least 3"):
        suppress(area_tree(), {}, 2)
    with pytest.raises(ValidationError):
        Settings(_env_file=None, open_data_k=2)  # type: ignore[call-arg]
