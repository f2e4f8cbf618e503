"""The domain stays in small pieces, and its commands say what each argument is.

Modules of about 400 lines at most (split by what each part holds), and every aggregate
command or application method with more than four parameters takes them keyword-only.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
MAX_POSITIONAL_PARAMETERS = 4


def domain_modules() -> list[Path]:
    return sorted((ROOT / "domain").rglob("*.py"))


def test_no_domain_module_is_over_400_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in domain_modules()
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_domain_commands_with_more_than_four_parameters_take_them_keyword_only() -> None:
    positional: list[str] = []
    for path in domain_modules():
        tree = ast.parse(path.read_text(), filename=str(path))
        for cls in (node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)):
            for method in cls.body:
                # Public methods and constructors; the private @event methods are the
                # library's appliers, called with keywords by their commands.
                if not isinstance(method, ast.FunctionDef):
                    continue
                if method.name.startswith("_") and method.name != "__init__":
                    continue
                arguments = method.args
                after_self = [a.arg for a in arguments.args if a.arg not in ("self", "cls")]
                if (
                    after_self
                    and len(after_self) + len(arguments.kwonlyargs) > MAX_POSITIONAL_PARAMETERS
                ):
                    positional.append(f"{path.relative_to(ROOT)}: {cls.name}.{method.name}")
    assert positional == []
