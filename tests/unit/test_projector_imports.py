"""A projector process starts without the API and its pages: their imports (FastAPI, the web
workspace, WeasyPrint, matplotlib, pyxform) were most of its start-up, once per projection."""

from __future__ import annotations

import subprocess
import sys


def test_the_projector_imports_neither_the_api_nor_the_pages() -> None:
    # When a fresh interpreter imports the projector's entry point
    probe = (
        "import sys, sukuma.projector; "
        "print(sorted(m for m in ('api.main', 'web', 'weasyprint', 'matplotlib', 'fastapi') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    # Then none of the HTTP side came with it
    assert out.strip() == "[]"
