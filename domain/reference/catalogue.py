"""The ServiceCatalogue aggregate: departments, NGOs and service standards, versioned.

One catalogue per installation (a fixed id), seeded from the catalogue file on first start.
Each change is an event, so it is audited (who, when) and every version can be read again:
a referral records the version it was made under (``Catalogue.version``, ``catalogue-vN``),
and its due dates are fixed from that version's standard when it is made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.base import SukumaAggregate
from domain.errors import AlreadyExists, NotFoundError, RuleViolation
from domain.reference.departments import (
    Catalogue,
    catalogue_data,
    catalogue_from_data,
    check_code,
    check_days,
    check_kind,
    check_name,
    need_category,
)

#: The one catalogue's id (stable, so every replica finds the same aggregate).
CATALOGUE_ID: Final = uuid5(UUID("6f1c2d4e-8a53-4c1b-9e0a-2b7d5f3c9a10"), "service-catalogue")


def version_label(version: int) -> str:
    return f"catalogue-v{version}"


class ServiceCatalogue(SukumaAggregate):
    """The reference data referrals are made under; changes apply to referrals made after."""

    class Seeded(SukumaAggregate.Created):
        catalogue: dict[str, Any]  # ``catalogue_data`` of the seed file
        source: str

    class DepartmentAdded(SukumaAggregate.Event):
        code: str
        name: str
        kind: str

    class DepartmentRenamed(SukumaAggregate.Event):
        code: str
        name: str

    class StandardSet(SukumaAggregate.Event):
        department: str
        category: str
        ack_within_days: int
        deliver_within_days: int

    class StandardRemoved(SukumaAggregate.Event):
        department: str
        category: str

    class DefaultStandardChanged(SukumaAggregate.Event):
        ack_within_days: int
        deliver_within_days: int

    class DepartmentRetired(SukumaAggregate.Event):
        code: str

    class NeedRouted(SukumaAggregate.Event):
        category: str
        department: str

    @classmethod
    def seed(
        cls, catalogue: Catalogue, source: str, occurred_at: datetime, actor: str
    ) -> ServiceCatalogue:
        return cls(
            id=CATALOGUE_ID,
            catalogue=catalogue_data(catalogue),
            source=source,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(Seeded)
    def __init__(
        self, *, id: UUID, catalogue: dict[str, Any], source: str, occurred_at: datetime, actor: str
    ) -> None:
        self.data = catalogue_data(catalogue_from_data(catalogue))  # a copy the events may change
        self.source = source

    # ---- reading -------------------------------------------------------------------------------

    def catalogue(self) -> Catalogue:
        """This version's values (a referral made now records ``.version``)."""
        return catalogue_from_data(self.data, version_label(self.version))

    def _department_row(self, code: str) -> dict[str, str]:
        for row in self.data["departments"]:
            if row["code"] == code:
                return dict(row)
        raise NotFoundError("department", code)

    def _standard_index(self, department: str, category: str) -> int | None:
        for i, row in enumerate(self.data["standards"]):
            if row["department"] == department and row["category"] == category:
                return i
        return None

    # ---- commands ----------------------------------------------------------------------------

    def add_department(
        self, *, code: str, name: str, kind: str, occurred_at: datetime, actor: str
    ) -> None:
        check_code(code)
        if any(row["code"] == code for row in self.data["departments"]):
            raise AlreadyExists("department", code, f"department {code} already exists")
        self._department_added(
            code=code,
            name=check_name(name),
            kind=check_kind(kind),
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(DepartmentAdded)
    def _department_added(
        self, code: str, name: str, kind: str, occurred_at: datetime, actor: str
    ) -> None:
        self.data["departments"] = [
            *self.data["departments"],
            {"code": code, "name": name, "kind": kind},
        ]

    def rename_department(self, *, code: str, name: str, occurred_at: datetime, actor: str) -> None:
        current = self._department_row(code)
        cleaned = check_name(name)
        if cleaned == current["name"]:
            raise RuleViolation("no-change", f"department {code} is already named {cleaned!r}")
        self._department_renamed(code=code, name=cleaned, occurred_at=occurred_at, actor=actor)

    @event(DepartmentRenamed)
    def _department_renamed(self, code: str, name: str, occurred_at: datetime, actor: str) -> None:
        self.data["departments"] = [
            {**row, "name": name} if row["code"] == code else row
            for row in self.data["departments"]
        ]

    def retire_department(self, *, code: str, occurred_at: datetime, actor: str) -> None:
        """No new referrals to it from now on; those made before keep it and its standards."""
        if self._department_row(code).get("retired"):
            raise RuleViolation("no-change", f"department {code} is already retired")
        routed = sorted(c for c, d in self.data["routes"].items() if d == code)
        if routed:
            raise RuleViolation(
                "department-routed",
                f"department {code} is the usual department of {', '.join(routed)}: "
                "route those needs to another first",
            )
        self._department_retired(code=code, occurred_at=occurred_at, actor=actor)

    @event(DepartmentRetired)
    def _department_retired(self, code: str, occurred_at: datetime, actor: str) -> None:
        self.data["departments"] = [
            {**row, "retired": True} if row["code"] == code else row
            for row in self.data["departments"]
        ]

    def route_need(
        self, *, category: str, department: str, occurred_at: datetime, actor: str
    ) -> None:
        """The department a need of this category goes to unless one is named."""
        need = str(need_category(category))
        self._in_service(department)
        if self.data["routes"].get(need) == department:
            raise RuleViolation("no-change", f"{need} needs already go to {department}")
        self._need_routed(
            category=need, department=department, occurred_at=occurred_at, actor=actor
        )

    @event(NeedRouted)
    def _need_routed(
        self, category: str, department: str, occurred_at: datetime, actor: str
    ) -> None:
        self.data["routes"] = {**self.data["routes"], category: department}

    def _in_service(self, code: str) -> None:
        self.catalogue().in_service(code)

    def set_standard(
        self,
        *,
        department: str,
        category: str,
        ack_within_days: int,
        deliver_within_days: int,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        """A department's standard for a need category, for referrals made from now on."""
        self._in_service(department)
        need = str(need_category(category))
        check_days(ack_within_days, deliver_within_days)
        index = self._standard_index(department, need)
        if index is not None:
            row = self.data["standards"][index]
            if (row["ack_within_days"], row["deliver_within_days"]) == (
                ack_within_days,
                deliver_within_days,
            ):
                raise RuleViolation("no-change", f"{department} already has this {need} standard")
        self._standard_set(
            department=department,
            category=need,
            ack_within_days=ack_within_days,
            deliver_within_days=deliver_within_days,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(StandardSet)
    def _standard_set(
        self,
        department: str,
        category: str,
        ack_within_days: int,
        deliver_within_days: int,
        occurred_at: datetime,
        actor: str,
    ) -> None:
        row = {
            "department": department,
            "category": category,
            "ack_within_days": ack_within_days,
            "deliver_within_days": deliver_within_days,
        }
        others = [
            r
            for r in self.data["standards"]
            if (r["department"], r["category"]) != (department, category)
        ]
        self.data["standards"] = [*others, row]

    def remove_standard(
        self, *, department: str, category: str, occurred_at: datetime, actor: str
    ) -> None:
        """Drop a department's own standard: the default standard applies to it again."""
        self._department_row(department)
        need = str(need_category(category))
        if self._standard_index(department, need) is None:
            raise NotFoundError("service standard", f"{department}/{need}")
        self._standard_removed(
            department=department, category=need, occurred_at=occurred_at, actor=actor
        )

    @event(StandardRemoved)
    def _standard_removed(
        self, department: str, category: str, occurred_at: datetime, actor: str
    ) -> None:
        self.data["standards"] = [
            r
            for r in self.data["standards"]
            if (r["department"], r["category"]) != (department, category)
        ]

    def change_default_standard(
        self, *, ack_within_days: int, deliver_within_days: int, occurred_at: datetime, actor: str
    ) -> None:
        """The standard of every department and category without one of its own."""
        check_days(ack_within_days, deliver_within_days)
        current = self.data["default_standard"]
        if (current["ack_within_days"], current["deliver_within_days"]) == (
            ack_within_days,
            deliver_within_days,
        ):
            raise RuleViolation("no-change", "the default standard is already this")
        self._default_standard_changed(
            ack_within_days=ack_within_days,
            deliver_within_days=deliver_within_days,
            occurred_at=occurred_at,
            actor=actor,
        )

    @event(DefaultStandardChanged)
    def _default_standard_changed(
        self, ack_within_days: int, deliver_within_days: int, occurred_at: datetime, actor: str
    ) -> None:
        self.data["default_standard"] = {
            "ack_within_days": ack_within_days,
            "deliver_within_days": deliver_within_days,
        }
