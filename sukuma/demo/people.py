"""Who lives in a demo household: its composition, and each member as the profile records them.

Rates are plausible for the poorer KZN households OSS profiles, not official statistics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from domain.profile import (
    Citizenship,
    DocumentStatus,
    Member,
    OrphanStatus,
    Relation,
    Sex,
)
from domain.reference.said import generate_sa_id
from sukuma.demo.context import Demo, pick
from sukuma.demo.health import disability, grants, health
from sukuma.demo.schooling import employment, schooling


@dataclass(frozen=True)
class Spec:
    """A member before details: relation to the head, age, sex, orphanhood."""

    relation: Relation
    age: int
    sex: Sex
    orphan: OrphanStatus = "none"


ARCHETYPES: Final = (
    ("nuclear", 22.0),
    ("single_parent", 25.0),
    ("grandparent", 18.0),
    ("elderly", 8.0),
    ("single_adult", 10.0),
    ("extended", 15.0),
    ("child_headed", 2.0),
)
CITIZENSHIP: Final[tuple[tuple[Citizenship, float], ...]] = (
    ("citizen", 96.0),
    ("permanent_resident", 1.0),
    ("permit", 2.0),
    ("undocumented", 1.0),
)
ORPHANHOOD: Final[tuple[tuple[OrphanStatus, float], ...]] = (
    ("maternal", 35.0),
    ("paternal", 40.0),
    ("double", 25.0),
)


def _sex(demo: Demo, female_share: float = 0.5) -> Sex:
    return "female" if demo.chance(female_share) else "male"


def _children(demo: Demo, parent_age: int, count: int, relation: Relation) -> list[Spec]:
    oldest = max(0, min(parent_age - 16, 24))
    return [Spec(relation, demo.rng.randint(0, oldest), _sex(demo)) for _ in range(count)]


def _grandchildren(demo: Demo, count: int, orphan_share: float) -> list[Spec]:
    specs = []
    for _ in range(count):
        orphan = pick(demo.rng, ORPHANHOOD) if demo.chance(orphan_share) else "none"
        specs.append(Spec("grandchild", demo.rng.randint(0, 17), _sex(demo), orphan))
    return specs


def composition(demo: Demo) -> list[Spec]:
    """The members of a new household, the head first."""
    rng = demo.rng
    kind = pick(rng, ARCHETYPES)
    if kind == "child_headed":
        head_age = rng.randint(14, 17)
        head = Spec("head", head_age, _sex(demo), "double")
        siblings = [
            Spec("sibling", rng.randint(1, head_age - 1), _sex(demo), "double")
            for _ in range(rng.randint(1, 3))
        ]
        return [head, *siblings]
    if kind in ("grandparent", "elderly"):
        head = Spec("head", rng.randint(60, 88), _sex(demo, 0.72))
        members = [head]
        if demo.chance(0.35):
            members.append(_spouse(demo, head))
        if kind == "grandparent":
            members += _grandchildren(demo, rng.randint(1, 5), 0.4)
            if demo.chance(0.4):
                members += _children(demo, head.age, 1, "child")
        return members
    if kind == "single_adult":
        head = Spec("head", rng.randint(18, 45), _sex(demo, 0.45))
        extra = [Spec("sibling", rng.randint(15, 40), _sex(demo))] if demo.chance(0.3) else []
        return [head, *extra]
    return _family(demo, kind)


def _spouse(demo: Demo, head: Spec) -> Spec:
    age = max(18, head.age + demo.rng.randint(-8, 6))
    return Spec("spouse", age, "male" if head.sex == "female" else "female")


def _family(demo: Demo, kind: str) -> list[Spec]:
    rng = demo.rng
    if kind == "single_parent":
        head = Spec("head", rng.randint(20, 55), _sex(demo, 0.85))
        return [head, *_children(demo, head.age, rng.randint(1, 4), "child")]
    head = Spec("head", rng.randint(25, 64), _sex(demo, 0.35))
    members = [head, _spouse(demo, head), *_children(demo, head.age, rng.randint(1, 4), "child")]
    if kind == "extended":
        members += _grandchildren(demo, rng.randint(1, 3), 0.15)
        if demo.chance(0.4):
            members.append(Spec("parent", min(95, head.age + rng.randint(20, 30)), _sex(demo, 0.7)))
        if demo.chance(0.3):
            members.append(Spec("other_relative", rng.randint(10, 40), _sex(demo)))
    elif demo.chance(0.08):
        members.append(Spec("non_relative", rng.randint(18, 40), _sex(demo)))
    return members


# ---- members -------------------------------------------------------------------------------


def date_of_birth(demo: Demo, age: int, as_of: date) -> date:
    """A birth date that makes the member ``age`` (completed years) on ``as_of``."""
    born = as_of - timedelta(days=int(age * 365.25) + demo.rng.randint(1, 360))
    while as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day)) > age:
        born += timedelta(days=1)
    return born


def _documents(demo: Demo, spec: Spec, citizenship: Citizenship) -> DocumentStatus:
    if citizenship == "undocumented":
        return "none"
    if citizenship == "permit":
        return "has"  # a passport and permit, but no South African ID number
    missing = 0.05 if spec.age < 18 else 0.03
    if spec.orphan == "double":
        missing = 0.15
    roll = demo.rng.random()
    if roll < missing:
        return "none"
    return "applied" if roll < missing + 0.03 else "has"


def make_member(demo: Demo, spec: Spec, surname: str, as_of: date, poor: bool) -> Member:
    """A complete member record as the profile questionnaire captures it."""
    born = date_of_birth(demo, spec.age, as_of)
    citizenship = pick(demo.rng, CITIZENSHIP) if spec.age >= 18 else "citizen"
    documents = _documents(demo, spec, citizenship)
    id_number = None
    if documents == "has" and citizenship in ("citizen", "permanent_resident"):
        id_number = generate_sa_id(born, spec.sex, citizenship == "citizen", demo.rng)
    member_disability = disability(demo, spec.age)
    school = schooling(demo, spec.age, member_disability["type"] != "none", demo.faker.last_name())
    work = employment(demo, spec.age, school["attending"], member_disability["type"] != "none")
    first = demo.faker.first_name_female() if spec.sex == "female" else demo.faker.first_name_male()
    return {
        "member_id": demo.id(),
        "first_name": first,
        "surname": surname,
        "sex": spec.sex,
        "date_of_birth": born.isoformat(),
        "relation": spec.relation,
        "id_number": id_number,
        "document_status": documents,
        "citizenship": citizenship,
        "phone": demo.phone() if spec.age >= 16 and demo.chance(0.75) else None,
        "grants": grants(demo, spec.age, spec.relation, spec.orphan, member_disability, work, poor),
        "disability": member_disability,
        "health": health(demo, spec.age, spec.sex),
        "schooling": school,
        "orphan_status": spec.orphan,
        "employment": work,
    }


def members_of(demo: Demo, specs: list[Spec], as_of: date, poor: bool) -> list[Member]:
    """The household's members; most share the head's surname."""
    surname = demo.faker.last_name()
    members = []
    for spec in specs:
        own = spec.relation in ("non_relative", "other_relative") or (
            spec.relation in ("spouse", "grandchild") and demo.chance(0.25)
        )
        members.append(
            make_member(demo, spec, demo.faker.last_name() if own else surname, as_of, poor)
        )
    return members
