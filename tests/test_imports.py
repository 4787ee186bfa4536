"""The import contracts of pyproject.toml ([tool.importlinter]) hold: `lint-imports` passes.

scripts/test.sh also runs `lint-imports` before pytest; this keeps the contracts checked when the
suite is run on its own. It takes well under a second.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports() -> str:
    # The console script next to this interpreter (the venv's), else whatever is on PATH.
    beside = Path(sys.executable).parent / "lint-imports"
    found = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert found, "lint-imports is not installed: pip install -e '.[test]'"
    return found


def test_import_contracts_are_kept():
    result = subprocess.run(
        [_lint_imports(), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
