"""Delivering fired alerts beyond the app: a webhook (JSON POST) and SMTP e-mail.

Each alert is sent once per channel: one already recorded as sent for the same rule,
scope value and month is not sent again, so the evaluation after every load does not
repeat itself. Every attempt is recorded in the audit trail of the admin file beside
the store (action "alert", outcome sent or failed, user "alerts", the alert and channel
as detail). A delivery failure never fails the load that triggered it.
"""

from __future__ import annotations

import json
import os
import smtplib
import sys
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from metrics import access
from metrics.alert_settings import AlertSettings, Smtp, Webhook
from metrics.alerts.evaluate import Fired, evaluate, latest_month, month_bounds
from metrics.config import Settings, get_settings

SENDER = "alerts"  # the audit's user_name for deliveries


def describe(a: Fired) -> str:
    """One line: 'npl_ratio (不良贷款率, NPL ratio) bank: 0.05348 above 0.015 (n -)'."""
    from metrics.kpis.catalog import KPIS

    k = KPIS[a.kpi]
    where = "bank" if a.scope == "bank" else f"{a.scope} {a.group}"
    n = "-" if a.n is None else f"{a.n:,.0f}"
    return (
        f"{a.kpi} ({k.label_zh}, {k.label_en}) {where}: {a.value:.4g} {a.fires} "
        f"{'target' if a.compare == 'target' else 'threshold'} {a.target:.4g} (n {n})"
    )


def payload(store: Path, month: str, alerts: Sequence[Fired]) -> dict[str, Any]:
    return {
        "source": "crm-kpi-dashboard",
        "store": str(store),
        "month": month,
        "alerts": [{**asdict(a), "text": describe(a)} for a in alerts],
    }


def send_webhook(hook: Webhook, body: dict[str, Any]) -> None:
    """POST the alerts as JSON; any status other than 2xx raises."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(
        hook.url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=hook.timeout) as resp:  # the configured URL
        if not 200 <= resp.status < 300:
            raise OSError(f"webhook answered {resp.status}")


def send_mail(smtp: Smtp, body: dict[str, Any]) -> None:
    """One plain-text e-mail listing the alerts, to every configured recipient."""
    msg = EmailMessage()
    count = len(body["alerts"])
    msg["Subject"] = f"CRM KPI alerts {body['month']}: {count} off target / 指标预警 {count} 项"
    msg["From"] = smtp.sender
    msg["To"] = ", ".join(smtp.recipients)
    lines = [a["text"] for a in body["alerts"]]
    msg.set_content("\n".join([f"{body['month']} ({body['store']})", "", *lines, ""]))
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.username:
            server.login(smtp.username, os.environ.get(smtp.password_env or "", ""))
        server.send_message(msg)


def _already_sent(admin: Path, month: str) -> set[tuple[str, str, str, str]]:
    """(channel, rule, group, month) of alerts recorded as sent since the month began."""
    since = month_bounds(month)[0]
    out: set[tuple[str, str, str, str]] = set()
    for row in access.audit_records(admin, since=since, user=SENDER):
        if row["action"] == "alert" and row["outcome"] == "sent":
            d = json.loads(row["detail"] or "{}")
            out.add((d.get("channel"), d.get("rule"), d.get("group"), d.get("month")))
    return out


def channels(cfg: AlertSettings) -> list[str]:
    return [c for c, on in (("webhook", cfg.webhook), ("smtp", cfg.smtp)) if on is not None]


def deliver(
    store: Path, month: str, alerts: Sequence[Fired], settings: Settings | None = None
) -> dict[str, list[Fired]]:
    """Send the alerts not yet sent on each configured channel; returns what was sent."""
    cfg = (settings or get_settings()).alerts
    admin = access.admin_db_for(store)
    done = _already_sent(admin, month)
    sent: dict[str, list[Fired]] = {}
    for channel in channels(cfg):
        todo = [a for a in alerts if (channel, *a.key()) not in done]
        if not todo:
            continue
        body = payload(store, month, todo)
        try:
            if channel == "webhook":
                assert cfg.webhook is not None
                send_webhook(cfg.webhook, body)
            else:
                assert cfg.smtp is not None
                send_mail(cfg.smtp, body)
            outcome, reason = "sent", None
        except (OSError, smtplib.SMTPException) as exc:
            outcome, reason = "failed", str(exc) or type(exc).__name__
        for a in todo:
            detail = {**asdict(a), "channel": channel}
            if reason:
                detail["reason"] = reason
            access.audit(admin, SENDER, "alert", outcome, detail)
        if outcome == "sent":
            sent[channel] = todo
    return sent


def evaluate_and_deliver(
    store: Path, month: str | None = None, settings: Settings | None = None
) -> tuple[str | None, list[Fired], dict[str, list[Fired]]]:
    """Evaluate the month (default: the latest) and deliver what fires."""
    from metrics.store import connect_reader

    con = connect_reader(store)
    try:
        month = month or latest_month(con)
        fired = [] if month is None else evaluate(con, month, settings)
    finally:
        con.close()
    if month is None or not fired:
        return month, fired, {}
    return month, fired, deliver(store, month, fired, settings)


def after_load(store: Path) -> None:
    """After a committed load: nothing without a channel; never raises into the load."""
    settings = get_settings()
    if not channels(settings.alerts):
        return
    try:
        evaluate_and_deliver(Path(store), None, settings)
    except Exception as exc:  # a bad rule or store must not fail the load
        print(f"alerts after load: {exc}", file=sys.stderr)
