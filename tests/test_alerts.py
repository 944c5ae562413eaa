"""Alerts on the seed bank (tests/seed/*.csv), worked out by hand, and their delivery to a real
local HTTP server (webhook) and a real local SMTP server (aiosmtpd), started by the tests.

Seed facts used: December 2025 snapshot, NPL (substandard + doubtful) = L05 900,000 (C04,
B02) + L08 100,000 (C06, B02) = 1.0 million of 18.7 million outstanding; B02 holds 9.0
million of it (L05 0.9 + L08 0.1 + L10 8.0). Surveys: August 2025 only S04 (C05, B02,
score 2); December 2025 only S06 (C12, B03, score 4). Requests: December R05 answered in 1 h.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from metrics.alerts.evaluate import Fired, evaluate, rules
from metrics.config import Settings, settings_from_dict
from tests.seedstore import build_seed_store


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_seed_store(tmp_path_factory.mktemp("alerts") / "crm.duckdb")


def _eval(db: Path, month: str, settings: Settings) -> list[Fired]:
    from metrics.store import connect_reader

    con = connect_reader(db)
    try:
        return evaluate(con, month, settings)
    finally:
        con.close()


def _fired(db: Path, month: str, data: dict[str, Any] | None = None) -> set[tuple[str, str]]:
    return {(a.rule, a.group) for a in _eval(db, month, settings_from_dict(data or {}))}


def test_default_rules_are_each_kpi_with_a_target_bank_wide() -> None:
    ids = [r.id for r in rules(Settings())]
    assert ids == [
        "csat_rate:bank:target",
        "response_sla_rate:bank:target",
        "clv_cac_ratio:bank:target",
        "new_loan_growth:bank:target",
        "npl_ratio:bank:target",
    ]


def test_default_rules_fire_where_off_target(db: Path) -> None:
    [a] = _eval(db, "2025-12", Settings())
    # NPL 1.0 / 18.7 million = 5.35 % > 1.5 % (lower is better); money denominator: no n.
    assert (a.rule, a.group, a.fires, a.n) == ("npl_ratio:bank:target", "all", "above", None)
    assert a.value == pytest.approx(1.0 / 18.7)
    assert a.target == 0.015
    # Quiet: csat S06 4 of 5 -> 1/1 = 100 % >= 90 % (and n 1 < 30 anyway); SLA R05 1/1 =
    # 100 % >= 95 %; new lending in Dec 2024 and Dec 2025 both 0 -> growth null; no new
    # customer in December -> CAC and CLV/CAC null.


def test_a_sample_below_min_n_never_fires(db: Path) -> None:
    no_defaults = {"default_rules": False, "rules": [{"kpi": "csat_rate"}]}
    # August 2025: S04 score 2 -> 0 of 1 satisfied, 0 % < 90 %, but n = 1 < min_n 30.
    assert _fired(db, "2025-08", {"alerts": no_defaults}) == set()
    # The same rule with min_n 1 fires.
    one = {"default_rules": False, "rules": [{"kpi": "csat_rate", "min_n": 1}]}
    assert _fired(db, "2025-08", {"alerts": one}) == {("csat_rate:bank:target", "all")}
    # And a global min_n of 1 makes the default rule fire too.
    assert ("csat_rate:bank:target", "all") in _fired(db, "2025-08", {"min_n": 1})


def test_branch_scope_fires_for_each_branch_off_target(db: Path) -> None:
    cfg = {"alerts": {"default_rules": False, "rules": [{"kpi": "npl_ratio", "scope": "branch"}]}}
    [a] = _eval(db, "2025-12", settings_from_dict(cfg))
    # B01: L02 5.5 M + L07 0.2 M special mention -> NPL 0; B03: L06 3 M + L11 1 M special
    # mention -> 0; B02: 1.0 of 9.0 M = 11.1 % > 1.5 %.
    assert (a.scope, a.group) == ("branch", "B02")
    assert a.value == pytest.approx(1.0 / 9.0)


def test_a_threshold_rule_fires_below_it(db: Path) -> None:
    rule = {"kpi": "csat_rate", "scope": "branch", "threshold": 0.5, "min_n": 1}
    cfg = {"alerts": {"default_rules": False, "rules": [rule]}}
    # August 2025: only B02 has a survey (S04, 0 of 1 < 50 %); B01 and B03 none -> quiet.
    assert _fired(db, "2025-08", cfg) == {("csat_rate:branch:below:0.5", "B02")}
    above = {**rule, "threshold": 0.0, "fires": "above"}  # 0 % is not above 0 %
    assert _fired(db, "2025-08", {"alerts": {"default_rules": False, "rules": [above]}}) == set()


def test_bad_rules_are_refused() -> None:
    with pytest.raises(ValueError, match="scope"):
        settings_from_dict({"alerts": {"rules": [{"kpi": "csat_rate", "scope": "desk"}]}})
    with pytest.raises(ValueError, match="has none"):
        rules(settings_from_dict({"alerts": {"rules": [{"kpi": "nps"}]}}))  # nps: no target
    with pytest.raises(ValueError, match="unknown KPI"):
        rules(settings_from_dict({"alerts": {"rules": [{"kpi": "nope", "threshold": 1}]}}))


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "metrics", "alerts", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_cli_exit_status_is_3_when_some_fire_and_0_when_none(db: Path) -> None:
    out = _cli("--json", "--db", str(db))  # default month: latest as-of, 2025-12
    assert out.returncode == 3, out.stderr
    data = json.loads(out.stdout)
    assert data["month"] == "2025-12"
    assert [(a["kpi"], a["scope"], a["n"]) for a in data["fired"]] == [("npl_ratio", "bank", None)]
    quiet = _cli("--month", "2025-08", "--db", str(db))
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.strip() == "2025-08: 0 alert(s)"
    bad = _cli("--month", "2025-13", "--db", str(db))
    assert bad.returncode == 2 and "not YYYY-MM" in bad.stderr


# --- delivery to real local servers -------------------------------------------------------


class _Hook:
    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.got = threading.Event()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                size = int(self.headers["Content-Length"])
                hook.bodies.append(json.loads(self.rfile.read(size)))
                self.send_response(status)
                self.end_headers()
                hook.got.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class _Mailbox:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Any] = []
        box = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                box.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
                return "250 OK"

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()


@pytest.fixture
def hook() -> Iterator[_Hook]:
    h = _Hook()
    yield h
    h.server.shutdown()


@pytest.fixture
def mailbox() -> Iterator[_Mailbox]:
    m = _Mailbox()
    yield m
    m.controller.stop()


def _settings_file(tmp_path: Path, hook_url: str, smtp_port: int | None) -> Path:
    cfg = tmp_path / "settings.toml"
    text = f'[alerts.webhook]\nurl = "{hook_url}"\n'
    if smtp_port is not None:
        text += (
            f'[alerts.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\n'
            'from = "crm@bank.test"\nto = ["board@bank.test", "risk@bank.test"]\n'
        )
    cfg.write_text(text, encoding="utf-8")
    return cfg


def test_send_delivers_by_webhook_and_mail_once_and_records_it(
    tmp_path: Path, hook: _Hook, mailbox: _Mailbox
) -> None:
    from metrics import access

    db = build_seed_store(tmp_path / "crm.duckdb")
    env = {"CRM_SETTINGS": str(_settings_file(tmp_path, hook.url, mailbox.port))}
    out = _cli("--send", "--db", str(db), env=env)
    assert out.returncode == 3, out.stderr
    assert "sent 1 by webhook" in out.stdout and "sent 1 by smtp" in out.stdout
    [body] = hook.bodies
    assert body["month"] == "2025-12"
    assert [(a["kpi"], a["group"]) for a in body["alerts"]] == [("npl_ratio", "all")]
    assert body["alerts"][0]["value"] == pytest.approx(1.0 / 18.7)
    [(rcpt, msg)] = mailbox.messages
    assert rcpt == ["board@bank.test", "risk@bank.test"]
    assert "NPL ratio" in msg.get_payload(decode=True).decode("utf-8")
    # A second run finds them recorded as sent: nothing is sent again.
    again = _cli("--send", "--db", str(db), env=env)
    assert again.returncode == 3 and "sent" not in again.stdout
    assert len(hook.bodies) == 1 and len(mailbox.messages) == 1
    rows = [r for r in access.audit_records(access.admin_db_for(db)) if r["action"] == "alert"]
    assert sorted((json.loads(r["detail"])["channel"], r["outcome"]) for r in rows) == [
        ("smtp", "sent"),
        ("webhook", "sent"),
    ]


def test_a_committed_load_delivers_and_a_failed_delivery_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from metrics import access
    from metrics.load import load_file

    failing = _Hook(status=500)
    try:
        db = build_seed_store(tmp_path / "crm.duckdb")  # built before the settings apply
        monkeypatch.setenv("CRM_SETTINGS", str(_settings_file(tmp_path, failing.url, None)))
        extra = tmp_path / "events.csv"
        extra.write_text("event_id,event_date,title\nE1,2025-05-01,x\n", encoding="utf-8")
        report = load_file(db, "events", extra)
        assert report.ok, report.render_text()  # the webhook's 500 does not fail the load
        assert failing.got.is_set() and len(failing.bodies) == 1
        [row] = [r for r in access.audit_records(access.admin_db_for(db)) if r["action"] == "alert"]
        assert row["outcome"] == "failed" and "500" in json.loads(row["detail"])["reason"]
    finally:
        failing.server.shutdown()
