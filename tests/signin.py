"""Signing tests in: an account beside the store, then the real sign-in form (AppTest or browser).

Every page sits behind the sign-in form, so a page test signs in first:

    at = AppTest.from_file(APP); at.query_params["lang"] = "en"
    sign_in(at)                       # admin "tester" beside $CRM_DB, created when missing
    sign_in(at, role="manager", branches=("B01",), name="mgr")   # another role

    open_signed_in(page, url)         # Playwright: open a URL, fill the form, wait
    open_app(page, url)               # tests.browser_util: the same, as "tester" (admin)

The account lives in the store's own accounts file (`<store>.admin.duckdb`, see
metrics.access.admin_db_for), so each seed store gets its accounts next to it and
nothing is shared between tests. Passwords go through Argon2 like any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from streamlit.testing.v1 import AppTest

from metrics import access
from metrics.store import resolve_db

TEST_USER = "tester"
TEST_PASSWORD = "tester-password"
NAME_KEY = "auth_name"
PASSWORD_KEY = "auth_password"
SUBMIT_KEY = "auth_submit"


def ensure_account(
    store: Path | None = None,
    name: str = TEST_USER,
    role: str = "admin",
    branches: Sequence[str] = (),
    password: str = TEST_PASSWORD,
) -> Path:
    """The account `name` (created when missing) in the accounts file of `store` ($CRM_DB)."""
    admin = access.admin_db_for(store if store is not None else resolve_db())
    if access.get_user(admin, name) is None:
        access.add_user(admin, name, role, password, branches, by="test")
    return admin


def sign_in(
    at: AppTest,
    name: str = TEST_USER,
    password: str = TEST_PASSWORD,
    *,
    role: str = "admin",
    branches: Sequence[str] = (),
    create: bool = True,
) -> AppTest:
    """Run the app if it has not run, fill the sign-in form and submit it; returns `at`."""
    if create:
        ensure_account(None, name, role, branches, password)
    if not at._tree:
        at.run()
    at.text_input(key=NAME_KEY).input(name)
    at.text_input(key=PASSWORD_KEY).input(password)
    at.button(key=SUBMIT_KEY).click()
    return at.run()
