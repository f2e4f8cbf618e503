"""Disclosure control of the open figures: threshold and complementary suppression.

One table is a count per area of a fixed hierarchy (province > district > municipality >
ward) for one measure, one category or department and one month: a parent's value is the sum
of its children's. The rules, applied top down, are few enough to prove (``audit`` checks
them and the release refuses to publish if any fails):

1. **Threshold.** A cell whose contributing households number under ``k`` is suppressed
   (*primary*), zeros included, so a suppressed cell may be none as well as a few.
2. **Downwards.** Every area inside a suppressed area is suppressed (*inherited*): a
   suppressed total is never the sum of published parts.
3. **Complementary.** Under a published parent, suppressed children are none or at least
   two: the published parent minus its published children gives only the *sum* of the
   suppressed ones. A lone one gets a partner, the smallest published sibling (*complement*,
   with everything inside it, by rule 2). A pair is also extended when its sum would pin each
   member (all primaries of a household count at ``k - 1`` each).

So each suppressed cell is known only through the sum of at least two suppressed subtrees,
which could be split otherwise; and a release is computed once for a closed month and never
rewritten (``release``), so no two versions of one figure exist to be differenced. Months
are flows (what happened in the month), never running totals: one month minus the month
before is not a figure about anybody.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from domain.reference.geography import PROVINCE_CODE, geography

Node = tuple[str, str]  # (level, code)
PROVINCE: Node = ("province", PROVINCE_CODE)
MIN_K = 3


class Status(StrEnum):
    PUBLISHED = "published"
    PRIMARY = "primary"
    COMPLEMENT = "complement"
    INHERITED = "inherited"


@dataclass(frozen=True)
class Cell:
    value: int  # what would be published
    households: int  # distinct households counted in it: the threshold applies to these


ZERO = Cell(0, 0)


@dataclass(frozen=True)
class Tree:
    children: Mapping[Node, tuple[Node, ...]]

    def top_down(self) -> Iterator[Node]:
        """The root, then each level in turn: a node comes after its parent."""
        level = [PROVINCE]
        while level:
            yield from level
            level = [child for node in level for child in self.children.get(node, ())]


@cache
def area_tree() -> Tree:
    """The geography as a tree of (level, code) nodes."""
    geo = geography()
    children: dict[Node, list[Node]] = {PROVINCE: []}
    for district in geo.districts:
        children[PROVINCE].append(("district", district.code))
    for muni in geo.municipalities:
        children.setdefault(("district", muni.district_code), []).append(
            ("municipality", muni.code)
        )
    for ward in geo.wards:
        children.setdefault(("municipality", ward.municipality_code), []).append(("ward", ward.id))
    return Tree({node: tuple(kids) for node, kids in children.items()})


def check_k(k: int) -> int:
    if k < MIN_K:
        raise ValueError(f"the open-data threshold k must be at least {MIN_K}, not {k}")
    return k


def suppress(
    tree: Tree, cells: Mapping[Node, Cell], k: int, *, value_is_households: bool = False
) -> dict[Node, Status]:
    """Each node's status under the rules above (cells missing from ``cells`` are zero).

    ``value_is_households``: the value counts households, so a primary's value is known to be
    under ``k`` (rule 3's pinned pair matters only then)."""
    check_k(k)
    forced: set[Node] = set()
    while True:
        try:
            return _suppress(tree, cells, k, value_is_households, forced)
        except _Unprotectable as exc:
            # Its children cannot be protected under it: hide the parent too, and start over
            # (rarely more than once; at worst everything ends suppressed).
            forced.add(exc.parent)


class _Unprotectable(Exception):
    def __init__(self, parent: Node) -> None:
        self.parent = parent


def _suppress(
    tree: Tree, cells: Mapping[Node, Cell], k: int, value_is_households: bool, forced: set[Node]
) -> dict[Node, Status]:
    status: dict[Node, Status] = {PROVINCE: _threshold(PROVINCE, cells, k, forced)}
    for node in tree.top_down():
        kids = tree.children.get(node, ())
        for kid in kids:
            status[kid] = (
                _threshold(kid, cells, k, forced)
                if status[node] is Status.PUBLISHED
                else Status.INHERITED
            )
        if status[node] is Status.PUBLISHED and kids:
            _protect(node, kids, cells, status, k, value_is_households)
    return status


def _threshold(node: Node, cells: Mapping[Node, Cell], k: int, forced: set[Node]) -> Status:
    if node in forced:
        return Status.COMPLEMENT
    return Status.PUBLISHED if cells.get(node, ZERO).households >= k else Status.PRIMARY


def _protect(
    parent: Node,
    kids: tuple[Node, ...],
    cells: Mapping[Node, Cell],
    status: dict[Node, Status],
    k: int,
    value_is_households: bool,
) -> None:
    hidden = [kid for kid in kids if status[kid] is not Status.PUBLISHED]
    while hidden and (len(hidden) < 2 or _pinned(hidden, cells, status, k, value_is_households)):
        shown = [kid for kid in kids if status[kid] is Status.PUBLISHED]
        if not shown:
            raise _Unprotectable(parent)
        partner = min(shown, key=lambda n: (cells.get(n, ZERO).value, n))
        status[partner] = Status.COMPLEMENT
        hidden.append(partner)


def _pinned(
    hidden: list[Node],
    cells: Mapping[Node, Cell],
    status: dict[Node, Status],
    k: int,
    value_is_households: bool,
) -> bool:
    """Whether the sum of these suppressed cells leaves each of them one possible value."""
    if not value_is_households or any(status[n] is not Status.PRIMARY for n in hidden):
        return False
    return sum(cells.get(n, ZERO).value for n in hidden) == len(hidden) * (k - 1)


def audit(
    tree: Tree,
    cells: Mapping[Node, Cell],
    status: Mapping[Node, Status],
    k: int,
    *,
    value_is_households: bool = False,
) -> list[str]:
    """Every way the statuses break the rules (empty: safe to publish)."""
    problems = []
    for node in tree.top_down():
        cell, state = cells.get(node, ZERO), status[node]
        if state is Status.PUBLISHED and cell.households < k:
            problems.append(f"{node} published with {cell.households} households")
        kids = tree.children.get(node, ())
        if state is not Status.PUBLISHED:
            problems += [f"{kid} published inside {node}" for kid in kids
                         if status[kid] is Status.PUBLISHED]  # fmt: skip
            continue
        hidden = [kid for kid in kids if status[kid] is not Status.PUBLISHED]
        if len(hidden) == 1:
            problems.append(f"{hidden[0]} is the only suppressed area in {node}")
        elif hidden and _pinned(hidden, cells, dict(status), k, value_is_households):
            problems.append(f"{hidden} in {node} are pinned by their sum")
    return problems
