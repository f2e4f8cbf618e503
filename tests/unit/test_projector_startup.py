"""A projector process imports what its projection needs: not the application, not the others."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.utils import TopicError

import domain
from domain.sukuma import Sukuma
from projections.decoding import EventLogReader
from projections.registry import PROJECTIONS
from sukuma.projector import APPLICATION_NAME

ROOT = Path(__file__).resolve().parents[2]


def test_the_projector_reads_the_applications_log() -> None:
    assert Sukuma.name == APPLICATION_NAME


def test_every_projection_is_found_by_its_name() -> None:
    for name, (projection_class, view_class) in PROJECTIONS.items():
        assert projection_class.name == name
        assert view_class.__module__ == f"projections.{name}.view"
    assert len(PROJECTIONS) == len(set(PROJECTIONS)) == 12


def test_a_projector_imports_only_its_own_projection() -> None:
    script = (
        "import sys\n"
        "import sukuma.projector\n"
        "from projections.registry import PROJECTIONS\n"
        "PROJECTIONS['alerts']\n"
        "print(sorted(m for m in sys.modules if m == 'domain.sukuma' or "
        "(m.startswith('projections.') and m.count('.') == 2 and 'alerts' not in m "
        "and m.rsplit('.', 1)[1] in ('projection', 'view'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def _domain_classes() -> set[type]:
    """Every class the domain's modules define, nested ones (an aggregate's events) too."""
    found: set[type] = set()

    def walk(owner: type) -> None:
        for value in vars(owner).values():
            if isinstance(value, type) and value.__qualname__.startswith(owner.__qualname__):
                found.add(value)
                walk(value)

    for info in pkgutil.walk_packages(domain.__path__, "domain."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and value.__module__ == module.__name__:
                found.add(value)
                walk(value)
    return found


def test_a_projection_handles_only_events_of_its_handled_modules() -> None:
    # The reader leaves a topic of any other module unwanted without importing it: right
    # only while no event class is handled through a base class of another module.
    classes = _domain_classes()
    for name in PROJECTIONS:
        projection_class, _ = PROJECTIONS[name]
        projection = object.__new__(projection_class)
        modules = projection.handled_modules()
        handled = [c for c in classes if projection.handles(c)]
        assert handled, name
        assert sorted(c.__qualname__ for c in handled if c.__module__ not in modules) == [], name


def test_the_reader_leaves_a_topic_of_another_module_unwanted_unimported() -> None:
    # Given a reader of the events of one module
    store = SimpleNamespace(datastore=SimpleNamespace(schema="public"), events_table_name="e")
    recorder = cast("PostgresApplicationRecorder", store)
    reader = EventLogReader(recorder, "sukuma", lambda c: True, modules=frozenset({"domain.x"}))
    # Then a topic of another module is unwanted, never resolved (no such module exists)
    assert not reader.wanted("domain.nowhere.model:Thing.Happened")
    assert not reader.wanted("domain.nowhere.model:Thing.Happened")
    # And one of its module is resolved and asked about (here: an unknown class fails)
    with pytest.raises((ImportError, AttributeError, TopicError)):
        reader.wanted("domain.x:Thing.Happened")
