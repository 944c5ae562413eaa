"""Display names of the codes the data holds: branches, tiers, relationship types, segments."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ui.i18n import t
from ui.page import load


def branch_names() -> dict[str, str]:
    """branch_id -> branch name, for chart and table labels."""
    from metrics import views

    frame = load(views.branch_list, None)
    return {str(r.branch_id): str(r.branch_name) for r in frame.itertuples(index=False)}


def tier_names(lang: str) -> dict[str, str]:
    """A/B/C -> "A 类" / "Tier A"."""
    from metrics.contract import TIERS

    return {tier: t("tier_name", lang, tier=tier) for tier in TIERS}


def rel_names(lang: str) -> dict[str, str]:
    """Relationship type id -> its name, in rule order, plus not_active (movement charts)."""
    from metrics import analysis

    names = {r[0]: (r[1] if lang == "zh" else r[2]) for r in analysis.REL_TYPES}
    return {**names, analysis.NOT_ACTIVE: t("rel_not_active", lang)}


def rfm_names(lang: str) -> dict[str, str]:
    """RFM segment id -> its name, in the segment map's order."""
    from metrics import analysis

    return {s[0]: (s[1] if lang == "zh" else s[2]) for s in analysis.RFM_SEGMENTS}


def group_names(by: str, lang: str) -> dict[str, str]:
    """Display names of a breakdown's groups."""
    if by == "branch":
        return branch_names()
    if by == "tier":
        return tier_names(lang)
    if by == "relationship_type":
        return rel_names(lang)
    return {}


def readable(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Customer list with ids of types and segments replaced by their names."""
    names = {
        "rel_type": rel_names(lang),
        "rfm_segment": rfm_names(lang),
        "segment": rfm_names(lang),
        "tier_source": {"stored": t("tier_stored", lang), "derived": t("tier_derived", lang)},
    }
    out = df.copy()
    for col, mapping in names.items():
        if col in out.columns:
            out[col] = out[col].map(lambda v, m=mapping: m.get(v, v) if isinstance(v, str) else v)
    return out


def readable_funnel(
    df: pd.DataFrame, lang: str, group_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """A funnel frame with stage and group names instead of ids."""
    out = df.copy()
    if "stage" in out.columns:
        out["stage"] = [t(f"stage_{s}", lang) for s in out["stage"]]
    if group_names and "group" in out.columns:
        out["group"] = [group_names.get(str(g), str(g)) for g in out["group"]]
    return out
