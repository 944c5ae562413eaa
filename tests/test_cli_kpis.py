"""`python -m metrics kpis` as a user runs it: JSON out, one-line errors, non-zero exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.registry import KPIS
from tests.seedstore import build_seed_store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_store(tmp_path_factory.mktemp("seed") / "seed.duckdb")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metrics", "kpis", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )


def test_json_has_every_kpi(db: Path) -> None:
    out = _run("--from", "2025-01-01", "--to", "2025-12-31", "--db", str(db))
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert doc["filters"] == {"branches": [], "tiers": [], "discount_rate": 0.08}
    assert list(doc["kpis"]) == list(KPIS)
    # By hand (tests/test_kpis.py): 6 surveys, 2 new customers, NPL 1.0M of 18.7M
    assert doc["kpis"]["survey_responses"] == 6
    assert doc["kpis"]["new_customers"] == 2
    assert doc["kpis"]["npl_ratio"] == pytest.approx(1 / 18.7)
    assert "by" not in doc


def test_filters_and_breakdown(db: Path) -> None:
    out = _run(
        "--from", "2025-01-01", "--to", "2025-12-31", "--db", str(db),
        "--branch", "B01", "--tier", "A", "--tier", "B", "--discount-rate", "0.1", "--by", "tier",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["filters"] == {"branches": ["B01"], "tiers": ["A", "B"], "discount_rate": 0.1}
    assert list(doc["by"]) == ["A", "B"]
    # B01 tier A active on 2025-12-31: C01 C02; tier B: C09 C13 (C03 churned)
    assert doc["by"]["A"]["active_customers"] == 2
    assert doc["by"]["B"]["active_customers"] == 2
    # Leads have no tier: null in a tier breakdown, never NaN (invalid JSON)
    assert doc["by"]["A"]["leads_created"] is None
    # B01 leads LD01 LD02, whatever the tier filter
    assert doc["kpis"]["leads_created"] == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2025-02-30", "--to", "2025-12-31"), "not a date"),
        (("--from", "2025-12-31", "--to", "2025-01-01"), "is after"),
        (("--from", "2025-01-01", "--to", "2025-12-31", "--branch", "B99"), "unknown branch"),
        (("--from", "2025-01-01", "--to", "2025-12-31", "--tier", "D"), "unknown tier"),
        (("--from", "2025-01-01", "--to", "2025-12-31", "--by", "region"), "--by"),
        (("--from", "2025-01-01", "--to", "2025-12-31", "--discount-rate", "x"), "not a number"),
    ],
)
def test_bad_arguments_give_one_line(db: Path, args: tuple[str, ...], message: str) -> None:
    out = _run(*args, "--db", str(db))
    assert out.returncode != 0
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_missing_store_gives_one_line(tmp_path: Path) -> None:
    out = _run("--from", "2025-01-01", "--to", "2025-12-31", "--db", str(tmp_path / "no.duckdb"))
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "No store" in lines[0], out.stderr
    assert not (tmp_path / "no.duckdb").exists()


DETAIL_KEYS = [
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "low_n",
    "complete",
    "mature",
]


def test_kpi_detail_and_sources(db: Path) -> None:
    out = _run(
        "--from", "2025-01-01", "--to", "2025-12-31", "--db", str(db),
        "--kpi", "csat_rate", "--kpi", "npl_ratio", "--detail",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert list(doc["kpis"]) == ["csat_rate", "npl_ratio"]
    csat = doc["kpis"]["csat_rate"]
    assert list(csat) == DETAIL_KEYS
    # 4 of 6 satisfied, n = 6 < 30; Wilson as in tests/test_engine.py
    assert (csat["numerator"], csat["denominator"], csat["low_n"]) == (4, 6, True)
    assert csat["ci_low"] == pytest.approx(0.299994, abs=1e-5)
    assert doc["kpis"]["npl_ratio"]["ci_low"] is None
    # Surveys S07 2024-12-31 .. S06 2025-12-31; revenue months 2024-02 .. 2025-11
    assert doc["sources"]["surveys"] == {"start": "2024-12-31", "as_of": "2025-12-31"}
    assert doc["sources"]["revenue"] == {"start": "2024-02-01", "as_of": "2025-11-30"}


def test_compare_blocks_say_what_is_not_covered(db: Path) -> None:
    out = _run(
        "--from", "2025-07-01", "--to", "2025-12-31", "--db", str(db),
        "--kpi", "leads_created", "--compare",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["kpis"] == {"leads_created": 2}  # LD05, LD06
    prev = doc["previous"]
    assert prev["period"] == {"from": "2024-12-29", "to": "2025-06-30"}
    assert prev["kpis"]["leads_created"]["value"] == 4  # LD01..LD04
    assert prev["kpis"]["leads_created"]["covered"] is True
    # 2024-07-01 is before the leads start (LD07, 2024-12-20): null, not covered
    ago = doc["year_ago"]["kpis"]["leads_created"]
    assert (ago["value"], ago["covered"]) == (None, False)
    assert list(ago) == [*DETAIL_KEYS, "covered"]


def test_by_month_and_manager(db: Path) -> None:
    out = _run(
        "--from", "2025-02-10", "--to", "2025-04-05", "--db", str(db),
        "--kpi", "new_customers", "--by", "month",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    # C08 onboarded 2025-02-14
    assert json.loads(out.stdout)["by"] == {
        "2025-02": {"new_customers": 1},
        "2025-03": {"new_customers": 0},
        "2025-04": {"new_customers": 0},
    }
    out = _run(
        "--from", "2025-01-01", "--to", "2025-12-31", "--db", str(db), "--manager", "陈杰",
        "--kpi", "active_customers", "--kpi", "leads_created", "--by", "relationship_manager",
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["filters"]["managers"] == ["陈杰"]
    # 陈杰: C07 C08 C12 active on 2025-12-31 (C10 churned 2024); leads ignore managers: 6
    assert doc["kpis"] == {"active_customers": 3, "leads_created": 6}
    assert doc["by"] == {"陈杰": {"active_customers": 3, "leads_created": None}}


def test_unknown_kpi_gives_one_line(db: Path) -> None:
    out = _run("--from", "2025-01-01", "--to", "2025-12-31", "--db", str(db), "--kpi", "nope")
    assert out.returncode != 0 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown KPI" in lines[0], out.stderr
