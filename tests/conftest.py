"""Shared fixtures: a hand-countable seed store and, for browser tests, a real Streamlit server.

Browser tests drive Debian's /usr/bin/chromium through pytest-playwright (never a downloaded
browser) against `streamlit run app.py` started from the repo root on a free port.

Every page needs a signed-in user (tests/signin.py explains it): an AppTest calls
`tests.signin.sign_in(at)` (an admin "tester" beside $CRM_DB, created when missing; other
roles by argument); every test server has that account, and `tests.browser_util.open_app`
signs in with it whenever the form appears (`name=`/`password=` for another account).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SERVER_START_TIMEOUT = 60.0
if str(REPO_ROOT) not in sys.path:  # `pytest` as well as `python -m pytest` finds tests.*
    sys.path.insert(0, str(REPO_ROOT))

from playwright.sync_api import expect  # noqa: E402

from tests.browser_util import AppServer  # noqa: E402

# A rerun on a loaded 2-core CI machine can take longer than Playwright's 5 s default.
expect.set_options(timeout=20_000)


@pytest.fixture
def seed_db(tmp_path: Path) -> Path:
    """A fresh seed store (tests/seed/*.csv) in this test's tmp_path."""
    from tests.seedstore import build_seed_store

    return build_seed_store(tmp_path / "seed.duckdb")


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium; `playwright install` is never needed."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A desktop-sized window so the sidebar is open and KPI cards sit in rows."""
    return {
        **browser_context_args,
        "viewport": {"width": 1440, "height": 1000},
        "accept_downloads": True,
    }


_SERVERS: list[AppServer] = []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(server: AppServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(server.url + "/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"Streamlit did not become healthy (exit code {server.process.poll()}).\n"
        f"--- server log ---\n{server.log_tail()}"
    )


@contextlib.contextmanager
def _run_server(workdir: Path, build: Callable[[Path], Path] | None = None) -> Iterator[AppServer]:
    """Build a store in `workdir` (the seed bank unless `build` says otherwise), start the app
    on it, stop it afterwards."""
    from tests.seedstore import build_seed_store
    from tests.signin import ensure_account

    db = (build or build_seed_store)(workdir / "crm.duckdb")
    ensure_account(db)  # "tester", an admin: open_app signs in with it (tests/signin.py)
    mappings = workdir / "mappings"
    mappings.mkdir(exist_ok=True)
    port = _free_port()
    log_path = workdir / "streamlit.log"
    env = {
        **os.environ,
        "CRM_DB": str(db),
        "CRM_MAPPINGS_DIR": str(mappings),
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = AppServer(f"http://127.0.0.1:{port}", db, mappings, log_path, proc)
    _SERVERS.append(server)
    try:
        _wait_healthy(server)
        yield server
    finally:
        _SERVERS.remove(server)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def app_server(request: pytest.FixtureRequest) -> Iterator[AppServer]:
    """One app on one seed store for every read-only browser test."""
    workdir = Path(tempfile.mkdtemp(prefix="crm-app-"))
    failed_before = request.session.testsfailed
    with _run_server(workdir) as server:
        yield server
        if request.session.testsfailed > failed_before:
            sys.stderr.write(f"\n--- streamlit log ({server.url}) ---\n{server.log_tail()}\n")
    shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def fresh_app_server(tmp_path: Path) -> Iterator[AppServer]:
    """An app on its own seed store, for tests that change the store (uploads)."""
    with _run_server(tmp_path) as server:
        yield server


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Attach the Streamlit server log to a failing browser test's report."""
    report = yield
    uses_server = {"app_server", "fresh_app_server"} & set(getattr(item, "fixturenames", ()))
    if report.failed and uses_server:
        for server in list(_SERVERS):
            report.sections.append((f"streamlit log {server.url}", server.log_tail()))
    return report
