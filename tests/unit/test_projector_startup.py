"""A projector process imports what its projection needs: not the application, not the others."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from domain.sukuma import Sukuma
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
