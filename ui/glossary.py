"""The glossary's tables: every KPI of the registry and the rules of types, tiers, segments."""

from __future__ import annotations

import pandas as pd

from metrics.registry import KPIS
from ui import export
from ui.fmt import fmt_value
from ui.i18n import t
from ui.names import rel_names, tier_names


def glossary_frame(lang: str) -> pd.DataFrame:
    """Every KPI of the registry as a table: group, labels, definition, unit, direction, target."""
    from metrics.registry import GROUPS

    rows = []
    for kpi in KPIS.values():
        rows.append(
            {
                t("kpi_group", lang): GROUPS.get(kpi.group, {}).get(lang, kpi.group),
                t("label_zh", lang): kpi.label_zh,
                t("label_en", lang): kpi.label_en,
                "id": kpi.id,
                t("definition", lang): kpi.definition(lang),
                t("unit", lang): t(f"unit_{kpi.unit}", lang),
                t("direction", lang): t(f"dir_{kpi.direction}", lang),
                t("target", lang): fmt_value(kpi.target, kpi.unit, lang),
                t("tier_filter", lang): t("yes" if kpi.customer_based else "no", lang),
            }
        )
    return pd.DataFrame(rows)


def glossary_export(lang: str) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The glossary for the files: each target a number in its KPI's own format."""
    frame = glossary_frame(lang)
    target = t("target", lang)
    frame[target] = [kpi.target for kpi in KPIS.values()]
    formats = [export.number_format(kpi.unit, [kpi.target]) for kpi in KPIS.values()]
    return frame, {target: formats}


def rules_frame(kind: str, lang: str) -> pd.DataFrame:
    """The rule tables of the glossary: relationship types, tiers, RFM segment map."""
    from metrics import analysis

    if kind == "rel":
        names = rel_names(lang)
        rows = [
            {"#": i, t("type", lang): names[r[0]], t("rule", lang): t(f"rel_rule_{r[0]}", lang)}
            for i, r in enumerate(analysis.REL_TYPES, start=1)
        ]
    elif kind == "tier":
        rows = [
            {
                t("dim_tier", lang): tier_names(lang)[tier],
                t("rule", lang): t(f"tier_rule_{tier}", lang),
            }
            for tier in ("A", "C", "B")
        ]
    else:
        rows = [
            {
                t("segment", lang): s[1] if lang == "zh" else s[2],
                "id": s[0],
                t("rule", lang): t(f"rfm_rule_{s[0]}", lang) if lang == "zh" else s[3],
            }
            for s in analysis.RFM_SEGMENTS
        ]
    return pd.DataFrame(rows)
