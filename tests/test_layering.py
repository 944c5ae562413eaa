"""The layering contracts in pyproject.toml (run by `make test` as `lint-imports`) catch what
they promise: each test copies the code to a scratch directory, plants one violation and
expects `lint-imports` to fail naming the broken contract; the untouched copy passes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=root, capture_output=True, text=True, check=False
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """metrics/, ui/ and pyproject.toml copied to tmp_path."""
    for name in ("metrics", "ui"):
        shutil.copytree(REPO / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _plant(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_code_as_it_is_keeps_every_contract(copy: Path) -> None:
    out = _lint(copy)
    assert out.returncode == 0, out.stdout
    assert "0 broken" in out.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("metrics/filters.py", "import streamlit", "metrics never imports ui or streamlit"),
        ("metrics/config.py", "from ui import fmt", "metrics never imports ui or streamlit"),
        # the cycle issue 10 names: state asking the sidebar for the filters
        ("ui/state.py", "from ui import sidebar", "no import cycles between modules of ui"),
        ("metrics/filters.py", "import metrics.store", "no import cycles between modules of"),
    ],
)
def test_a_planted_violation_breaks_its_contract(
    copy: Path, module: str, line: str, contract: str
) -> None:
    _plant(copy / module, line)
    out = _lint(copy)
    assert out.returncode != 0
    broken = out.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, out.stdout
