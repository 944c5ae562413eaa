"""The seed bank: tests/seed/*.csv, small enough to count every KPI by hand.

The story on 2025-01-01..2025-12-31 (worked out in tests/test_kpis.py):
three branches (B01 北京, B02 上海, B03 广州), 14 customers — 11 active at the
end of 2025, two churned in 2025 (C03 on 2025-01-01, C05 on 2025-12-31), two
new (C08 referred by C01, C09) — six surveys (4 of 6 satisfied), six requests
of which four complaints, eleven loans (10 million new lending in 2025 against
2.5 million in 2024), two month-end snapshots (2025-11, 2025-12; NPL in
December 1.0 of 18.7 million), seven leads (LD03 skipped "contacted"), spend
70,000 in 2025 and 24 months of revenue. Every relationship type occurs.
"""

from __future__ import annotations

from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent / "seed"
# Everything of branches B02 and B03 (tests/seed/*.csv): ids, names, their customers' ids
# and names, their relationship managers. A B01 manager must never see any of it.
NOT_B01: tuple[str, ...] = (
    "B02", "B03", "上海分行", "广州分行", "张敏", "陈杰",
    "C04", "东方建材", "C05", "南山食品", "C06", "海川贸易", "C07", "青禾农业",
    "C08", "云帆新能源", "C10", "远景医药", "C11", "恒通化工", "C12", "长江能源",
    "C14", "中铁装备",
)  # fmt: skip


def build_seed_store(path: Path, directory: Path = SEED_DIR) -> Path:
    """Load every CSV of `directory` (the seed bank) into a new store at `path` through the
    real loader; return `path`."""
    from metrics.load import load_dir

    reports = load_dir(path, directory, mode="append", loaded_by="seed")
    refused = [r for r in reports if not r.ok]
    if refused:
        raise RuntimeError("seed refused:\n" + "\n".join(r.render_text() for r in refused))
    return path
