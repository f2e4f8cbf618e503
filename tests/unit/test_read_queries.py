"""The read side's shared pieces, without a database: each view's exported table names, and
the access scope every list carries in SQL."""

from __future__ import annotations

from types import ModuleType

import pytest

from domain.access.principal import Principal, Role
from projections.alerts import view as alerts
from projections.alerts.queries import alert_scope
from projections.early_warning import view as early_warning
from projections.nerve_centre import tables as nerve_centre
from projections.open_data import view as open_data
from projections.registry import PROJECTIONS
from projections.scoping import Where
from projections.war_rooms import view as war_rooms


@pytest.mark.parametrize(
    "module", [nerve_centre, early_warning, alerts, war_rooms, open_data], ids=lambda m: m.NAME
)
def test_each_view_exports_the_names_of_all_its_tables(module: ModuleType) -> None:
    projection_class, view_class = PROJECTIONS[module.NAME]
    exported = {v for k, v in vars(module).items() if k.isupper() and isinstance(v, str)}

    assert projection_class.name == module.NAME
    assert f"{module.NAME}_tracking" == module.TRACKING
    assert {f"{module.NAME}_{suffix}" for suffix in view_class.tables} <= exported


def test_the_alert_scope_term_is_the_access_policys_row_scope() -> None:
    # Alerts are scoped like every list: the municipality's people see its alerts.
    ltt = Principal("u", "u", frozenset({Role.CONVENER}), frozenset({"municipality:KZN225"}))
    q = Where()
    alert_scope(ltt, q)

    assert q.terms == ["((municipality = ANY($1::text[])))"]
    assert q.args == [["KZN225"]]
