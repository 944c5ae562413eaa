"""The board brief of the seed bank (tests/eventseed.py: the seed plus two events), made by
`python -m metrics brief` and read back with poppler (pdftotext, pdffonts, pdfinfo).

December 2025, worked out by hand from tests/seed/*.csv:
- satisfaction: S06 (C12, score 4) is December's only survey -> 1 of 1 = 100.0 %;
- NPL: L05 0.9 M substandard + L08 0.1 M doubtful of 18.7 M outstanding = 5.35 % -> "5.3%"
  (one decimal at 5 % and above); November: L08 0.2 M of 19.15 M = 1.04 %, so +4.3 points;
  the gap to the 1.5 % target is 3.85 points -> "3.8";
- customers at the start of December: the 12 onboarded before it and not churned (all but
  C03, C10); C05 churns on 2025-12-31 -> retention 11 / 12 = 91.7 %, 11 active at the end;
- January 2025 for branches B01 and B02: the event E2 (B01, 2025-01-01) is in scope.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.eventseed import build_seed_with_events
from ui.fmt import fmt_int, fmt_value


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_with_events(tmp_path_factory.mktemp("brief") / "crm.duckdb")


def _brief(db: Path, out: Path, *args: str) -> Path:
    run = subprocess.run(
        [sys.executable, "-m", "metrics", "brief", *args, "--out", str(out), "--db", str(db)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return out


def _text(pdf: Path, page: int | None = None) -> str:
    pages = [] if page is None else ["-f", str(page), "-l", str(page)]
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    [line] = [x for x in info.stdout.splitlines() if x.startswith("Pages:")]
    return int(line.split()[1])


@pytest.fixture(scope="module")
def zh(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _brief(db, tmp_path_factory.mktemp("zh") / "brief.pdf", "--month", "2025-12")


@pytest.fixture(scope="module")
def en(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("en") / "brief.pdf"
    return _brief(db, out, "--month", "2025-01", "--lang", "en", "--branch", "B01",
                  "--branch", "B02", "--tier", "A", "--tier", "B")  # fmt: skip


def test_headline_kpis_read_as_the_app_formats_them(zh: Path) -> None:
    text = _text(zh, 1)
    assert fmt_value(1 / 1, "ratio", "zh") == "100.0%"  # satisfaction
    assert fmt_value(1.0 / 18.7, "ratio", "zh") == "5.3%"  # NPL
    assert fmt_value(11 / 12, "ratio", "zh") == "91.7%"  # retention
    for shown in ("满意率", "100.0% *", "不良贷款率", "5.3%", "客户保持率", "91.7% *"):
        assert shown in text
    assert "期末活跃客户数" in text and f" {fmt_int(11)} " in text
    # The rule-made sentence, as the issue spells it.
    assert "不良贷款率 5.3%，高于目标 3.8 个百分点，较上月上升 4.3 个百分点。" in text
    assert "未达目标：不良贷款率" in text


def test_every_page_has_the_filters_and_the_as_of_dates(zh: Path, en: Path) -> None:
    for pdf, filters, as_of in (
        (zh, "筛选：机构 全部；客户层级 全部", ("客户 2025-12-31", "贷款余额 2025-12-31")),
        (en, "Filters: branches B01 北京分行, B02 上海分行; tiers A, B",
         ("customers 2025-12-31", "surveys 2025-12-31")),
    ):  # fmt: skip
        pages = _pages(pdf)
        assert 2 <= pages <= 4
        for page in range(1, pages + 1):
            text = _text(pdf, page)
            assert filters in text, (pdf, page)
            assert all(a in text for a in as_of), (pdf, page)


def test_the_english_brief_lists_its_months_events(en: Path) -> None:
    text = _text(en)
    assert "Board brief 2025-01" in text
    assert "2025-01-01 北京试点 (B01): 客户经理团队" in text  # E2, in January for B01
    # E2 is also a marker on the trends (page 2: 2024-02..2025-01); E1 (2025-05) is in
    # neither the month nor the trends' window.
    assert "北京试点 (B01)" in _text(en, 2)
    assert "全行服务提升" not in text


def test_page_three_holds_ranking_tiers_and_migration(zh: Path) -> None:
    text = _text(zh, 3)
    # Ranking by satisfaction: B03 has December's only survey (S06, 1 of 1 = 100.0 %, low n).
    assert text.index("B03 广州分行") < text.index("B01 北京分行")
    assert "100.0% *" in text
    # Migration (tests/test_migration.py): normal -> special mention, 2 loans, 1.2 M.
    assert "关注" in text and "¥120万" in text and "¥1,650万" in text


def test_first_page_as_png_for_the_readme(zh: Path) -> None:
    """test-artifacts/brief-first-page.png: the first page of the seed brief, for a look."""
    from tests.conftest import REPO_ROOT

    out = REPO_ROOT / "test-artifacts" / "brief-first-page"
    out.parent.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", "-f", "1", "-l", "1",
                    str(zh), str(out)], check=True)  # fmt: skip
    assert out.with_suffix(".png").stat().st_size > 10_000  # a drawn page, not a blank one


def test_fonts_are_embedded(zh: Path) -> None:
    out = subprocess.run(["pdffonts", str(zh)], capture_output=True, text=True, check=True)
    rows = out.stdout.splitlines()[2:]
    assert rows, out.stdout
    assert any("WenQuanYi" in r for r in rows)  # the CJK font of the text and the charts
    for row in rows:  # columns: name type encoding emb sub uni object ID
        cols = row.split()
        assert cols[-5] == "yes", row


def test_same_inputs_give_the_same_text(db: Path, zh: Path, tmp_path: Path) -> None:
    again = _brief(db, tmp_path / "again.pdf", "--month", "2025-12")
    assert _text(again) == _text(zh)


def test_cli_refuses_a_bad_month_and_an_unknown_branch(db: Path, tmp_path: Path) -> None:
    cases = (
        (["--month", "2025-13"], "not YYYY-MM"),
        (["--month", "2025-12", "--branch", "B99"], "unknown branch 'B99'"),
    )
    for args, message in cases:
        run = subprocess.run(
            [sys.executable, "-m", "metrics", "brief", *args, "--out", str(tmp_path / "x.pdf"),
             "--db", str(db)], capture_output=True, text=True,
        )  # fmt: skip
        assert run.returncode == 2 and message in run.stderr
        assert not (tmp_path / "x.pdf").exists()
