"""Alert rules and delivery channels as the settings TOML declares them (section [alerts]).

Pure data, imported by metrics.config; nothing here reads the store::

    [alerts]
    default_rules = true        # each KPI with a target fires when off target (bank-wide)
    [[alerts.rules]]
    kpi = "csat_rate"
    scope = "branch"            # bank | branch | tier: one alert per branch / tier off
    compare = "threshold"       # target (the KPI's target) | threshold
    threshold = 0.80
    fires = "below"             # below | above (default: from the KPI's direction)
    min_n = 30                  # a smaller sample never fires (default: min_n)
    [alerts.webhook]
    url = "https://hooks.bank.local/crm"
    [alerts.smtp]
    host = "mail.bank.local"
    port = 25
    from = "crm@bank.local"
    to = ["board@bank.local"]
    starttls = false
    username = "crm"                    # optional; the password is read from the
    password_env = "CRM_SMTP_PASSWORD"  # environment variable named here, never the TOML
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SCOPES: tuple[str, ...] = ("bank", "branch", "tier")
COMPARES: tuple[str, ...] = ("target", "threshold")
FIRES: tuple[str, ...] = ("below", "above")


@dataclass(frozen=True)
class AlertRule:
    """One rule: a KPI at a scope, compared with its target or a threshold."""

    kpi: str
    scope: str = "bank"
    compare: str = "target"
    threshold: float | None = None
    fires: str | None = None
    min_n: int | None = None

    @property
    def id(self) -> str:
        """A stable name: kpi:scope:target or kpi:scope:below:0.8."""
        if self.compare == "target":
            return f"{self.kpi}:{self.scope}:target"
        return f"{self.kpi}:{self.scope}:{self.fires}:{self.threshold:g}"


@dataclass(frozen=True)
class Webhook:
    url: str
    timeout: float = 10.0


@dataclass(frozen=True)
class Smtp:
    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 25
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None
    timeout: float = 10.0


@dataclass(frozen=True)
class AlertSettings:
    default_rules: bool = True
    rules: tuple[AlertRule, ...] = ()
    webhook: Webhook | None = None
    smtp: Smtp | None = None


def _known(data: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = set(data) - keys
    if unknown:
        raise ValueError(f"unknown setting {where}.{sorted(unknown)[0]}")


def _rule(data: dict[str, Any]) -> AlertRule:
    _known(data, {"kpi", "scope", "compare", "threshold", "fires", "min_n"}, "alerts.rules")
    if "kpi" not in data:
        raise ValueError("an [[alerts.rules]] entry needs kpi")
    rule = AlertRule(
        kpi=str(data["kpi"]),
        scope=str(data.get("scope", "bank")),
        compare=str(data.get("compare", "threshold" if "threshold" in data else "target")),
        threshold=None if data.get("threshold") is None else float(data["threshold"]),
        fires=None if data.get("fires") is None else str(data["fires"]),
        min_n=None if data.get("min_n") is None else int(data["min_n"]),
    )
    if rule.scope not in SCOPES:
        raise ValueError(f"alert scope {rule.scope!r}; expected one of {', '.join(SCOPES)}")
    if rule.compare not in COMPARES:
        raise ValueError(f"alert compare {rule.compare!r}; expected one of {', '.join(COMPARES)}")
    if rule.compare == "threshold" and rule.threshold is None:
        raise ValueError(f"the alert rule on {rule.kpi} compares with a threshold but has none")
    if rule.fires is not None and rule.fires not in FIRES:
        raise ValueError(f"alert fires {rule.fires!r}; expected below or above")
    return rule


def alert_settings_from_dict(data: dict[str, Any]) -> AlertSettings:
    """The [alerts] table of the settings TOML (KPI ids are checked by metrics.alerts)."""
    _known(data, {"default_rules", "rules", "webhook", "smtp"}, "alerts")
    webhook = smtp = None
    if "webhook" in data:
        w = data["webhook"]
        _known(w, {"url", "timeout"}, "alerts.webhook")
        webhook = Webhook(str(w["url"]), float(w.get("timeout", 10.0)))
    if "smtp" in data:
        s = data["smtp"]
        keys = {"host", "port", "from", "to", "starttls", "username", "password_env", "timeout"}
        _known(s, keys, "alerts.smtp")
        to = s.get("to", ())
        smtp = Smtp(
            host=str(s["host"]),
            sender=str(s["from"]),
            recipients=(to,) if isinstance(to, str) else tuple(str(t) for t in to),
            port=int(s.get("port", 25)),
            starttls=bool(s.get("starttls", False)),
            username=None if s.get("username") is None else str(s["username"]),
            password_env=None if s.get("password_env") is None else str(s["password_env"]),
            timeout=float(s.get("timeout", 10.0)),
        )
        if not smtp.recipients:
            raise ValueError("alerts.smtp needs at least one recipient in to")
    return AlertSettings(
        default_rules=bool(data.get("default_rules", True)),
        rules=tuple(_rule(r) for r in data.get("rules", ())),
        webhook=webhook,
        smtp=smtp,
    )
