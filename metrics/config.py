"""Business settings in one place: KPI targets, tier and relationship-type thresholds.

Defaults follow ../shared/spec/kpis.md. A TOML file named by the environment
variable CRM_SETTINGS may override any of them, e.g.::

    [targets]
    csat_rate = 0.92

    [tiers]
    a_min_assets = 2e9

    [relationship]
    top_share = 0.05

    discount_rate = 0.07
    min_n = 30           # low_n below this denominator
    maturity_days = 90   # funnel values mature this long after date_to
"""

from __future__ import annotations

import itertools
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from metrics.alert_settings import AlertSettings, alert_settings_from_dict

DEFAULT_TARGETS: dict[str, float] = {
    "csat_rate": 0.90,
    "response_sla_rate": 0.95,
    "npl_ratio": 0.015,
    "new_loan_growth": 0.15,
    "clv_cac_ratio": 3.0,
}


@dataclass(frozen=True)
class TierRules:
    """Derived tier: A needs assets >= a_min_assets and an A-grade rating; C below c_max_assets."""

    a_min_assets: float = 1_000_000_000.0
    c_below_assets: float = 100_000_000.0
    a_ratings: tuple[str, ...] = ("AAA", "AA", "A")
    c_ratings: tuple[str, ...] = ("CCC", "CC", "C")


@dataclass(frozen=True)
class RelationshipRules:
    """Thresholds of the five relationship types (kpis.md, Relationship types)."""

    churning_ratio: float = 0.5  # R12 < churning_ratio x P12
    growth_ratio: float = 1.2  # R12 >= growth_ratio x P12
    top_share: float = 0.10  # strategic: R12 rank <= top_share x active customers
    new_months: int = 24  # growth: onboarded within these months ending on date_to
    recent_months: int = 6  # churning: no positive revenue in these last months
    risk_classes: tuple[str, ...] = ("special_mention", "substandard", "doubtful", "loss")
    risk_ratings: tuple[str, ...] = ("BB", "B", "CCC", "CC", "C")  # "BB or lower"


@dataclass(frozen=True)
class RfmRules:
    """RFM scoring, amended (kpis.md, RFM): F on fixed thresholds, R and M by quintile.

    F scores the number of thresholds it reaches: (1, 2, 3, 4, 6) gives 1 loan -> 1,
    2 -> 2, 3 -> 3, 4-5 -> 4, 6 or more -> 5 (and no loan in the 36 months -> 1).
    """

    frequency_thresholds: tuple[int, ...] = (1, 2, 3, 4, 6)

    def __post_init__(self) -> None:
        t = self.frequency_thresholds
        if len(t) != 5 or t[0] < 1 or any(b <= a for a, b in itertools.pairwise(t)):
            raise ValueError(
                f"rfm.frequency_thresholds {list(t)}: expected five increasing loan counts "
                "from 1 up, one per F score 1-5"
            )


# --- Relationship manager's desk (kpis.md, Early-warning watchlist, Cross-sell whitespace)
@dataclass(frozen=True)
class WatchlistRules:
    """Thresholds of the early-warning flags, checked on a day d."""

    revenue_months: int = 3  # revenue_drop: these months ending with d's month vs the ones before
    revenue_drop_ratio: float = 0.5  # ... is less than this x the earlier months' revenue
    downgrade_classes: tuple[str, ...] = ("special_mention", "substandard", "doubtful", "loss")
    past_due_days: int = 30  # past_due: days_past_due above this
    complaint_days: int = 7  # complaint_open: opened more than this many days before d
    low_score: int = 2  # low_satisfaction: latest overall_score at most this
    survey_days: int = 365  # ... of a survey within these days ending on d
    maturity_days: int = 90  # maturity_no_renewal: maturing in (d, d + this]


@dataclass(frozen=True)
class WhitespaceRules:
    """Cross-sell whitespace: a category is held with revenue > 0 in these months ending on d."""

    months: int = 12


@dataclass(frozen=True)
class Settings:
    """Every configurable business number; frozen so it can key caches."""

    targets: MappingProxyType[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_TARGETS))
    )
    tiers: TierRules = field(default_factory=TierRules)
    relationship: RelationshipRules = field(default_factory=RelationshipRules)
    discount_rate: float = 0.08
    min_n: int = 30  # a denominator below this is low_n (kpis.md, Low sample)
    maturity_days: int = 90  # funnel values are mature this long after date_to
    watchlist: WatchlistRules = field(default_factory=WatchlistRules)
    whitespace: WhitespaceRules = field(default_factory=WhitespaceRules)
    rfm: RfmRules = field(default_factory=RfmRules)
    alerts: AlertSettings = field(default_factory=AlertSettings)  # [alerts]: metrics.alerts

    def __hash__(self) -> int:
        return hash(
            (
                tuple(sorted(self.targets.items())),
                self.tiers,
                self.relationship,
                self.discount_rate,
                self.min_n,
                self.maturity_days,
                self.watchlist,
                self.whitespace,
                self.rfm,
                self.alerts,
            )
        )

    def target(self, kpi_id: str) -> float | None:
        """The business target of a KPI, or None where none is set."""
        return self.targets.get(kpi_id)


def _section(cls: type[Any], current: Any, data: dict[str, Any], name: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"unknown setting {name}.{sorted(unknown)[0]}")
    values: dict[str, Any] = {}
    for key, value in data.items():
        default = getattr(current, key)
        if isinstance(default, tuple):
            kind = type(default[0]) if default else str
            values[key] = tuple(kind(v) for v in value)
        else:
            values[key] = type(default)(value)
    return replace(current, **values)


def settings_from_dict(data: dict[str, Any], base: Settings | None = None) -> Settings:
    """Apply a parsed TOML document to the defaults (or to `base`)."""
    base = base or Settings()
    unknown = set(data) - {
        "targets",
        "tiers",
        "relationship",
        "discount_rate",
        "min_n",
        "maturity_days",
        "watchlist",
        "whitespace",
        "rfm",
        "alerts",
    }
    if unknown:
        raise ValueError(f"unknown setting {sorted(unknown)[0]}")
    targets = dict(base.targets)
    for key, value in data.get("targets", {}).items():
        if key not in DEFAULT_TARGETS:
            raise ValueError(f"unknown target {key}")
        targets[key] = float(value)
    return Settings(
        targets=MappingProxyType(targets),
        tiers=_section(TierRules, base.tiers, data.get("tiers", {}), "tiers"),
        relationship=_section(
            RelationshipRules, base.relationship, data.get("relationship", {}), "relationship"
        ),
        discount_rate=float(data.get("discount_rate", base.discount_rate)),
        min_n=int(data.get("min_n", base.min_n)),
        maturity_days=int(data.get("maturity_days", base.maturity_days)),
        watchlist=_section(WatchlistRules, base.watchlist, data.get("watchlist", {}), "watchlist"),
        rfm=_section(RfmRules, base.rfm, data.get("rfm", {}), "rfm"),
        whitespace=_section(
            WhitespaceRules, base.whitespace, data.get("whitespace", {}), "whitespace"
        ),
        alerts=alert_settings_from_dict(data["alerts"]) if "alerts" in data else base.alerts,
    )


@lru_cache(maxsize=8)
def _load(path: str | None) -> Settings:
    if not path:
        return Settings()
    with Path(path).open("rb") as fh:
        return settings_from_dict(tomllib.load(fh))


def get_settings() -> Settings:
    """The defaults, overridden by the TOML file named by CRM_SETTINGS when set."""
    return _load(os.environ.get("CRM_SETTINGS") or None)
