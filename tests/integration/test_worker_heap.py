"""An API process freezes what it built at start-up out of the garbage collector's reach, so a
full collection under load scans only what requests made since (see
``sukuma.wiring.freeze_start_up_heap``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEST_MASTER_KEY, TEST_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]

#: Each entry point in a fresh interpreter, as a worker process runs it: what the collector
#: still tracks once the app is built, and what it was told to leave alone.
BUILD = {
    "asgi_app": "from sukuma.wiring import asgi_app; app = asgi_app()",
    "build_api": (
        "from sukuma.settings import load_settings; from sukuma.wiring import build_api; "
        "s = load_settings(); app, application = build_api(s, s.database_url)"
    ),
}
REPORT = (
    "import gc, json; "
    "print(json.dumps({'frozen': gc.get_freeze_count(), 'tracked': len(gc.get_objects())}))"
)


@pytest.mark.parametrize("entry_point", sorted(BUILD))
def test_an_api_process_freezes_its_start_up_objects(
    entry_point: str, fresh_db_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SUKUMA_DATABASE_URL": fresh_db_url,
        "SUKUMA_SECRET_KEY": TEST_SECRET_KEY,
        "SUKUMA_MASTER_KEY": TEST_MASTER_KEY,
        "SUKUMA_DATA_DIR": str(tmp_path),
        "SUKUMA_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-c", f"{BUILD[entry_point]}; {REPORT}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    heap = json.loads(done.stdout.strip().splitlines()[-1])
    # The API's modules, routes and schemas are well over 50,000 objects (about 340,000
    # measured); a full collection would walk them all, unfrozen.
    assert heap["frozen"] > 50_000
    assert heap["tracked"] < heap["frozen"] / 20
