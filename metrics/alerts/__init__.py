"""Alerts: rules from the settings TOML (settings.py), evaluated on a month's KPIs
(evaluate.py), delivered by webhook and e-mail and recorded in the audit (deliver.py),
and the `python -m metrics alerts` command (cli.py).

This package's top level imports nothing else: metrics.config imports its settings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def register_cli(sub: Any) -> None:
    from metrics.alerts.cli import register

    register(sub)


def after_load(db: Path) -> None:
    """Called by the loader after each committed load: deliver what fires (see deliver)."""
    from metrics.alerts.deliver import after_load as run

    run(db)
