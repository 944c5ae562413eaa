"""A fresh clone's first `streamlit run app.py`: no store and no CRM_DB -> the demo bank."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from metrics import store
from tests.signin import sign_in

REPO = Path(__file__).resolve().parent.parent


def test_first_start_builds_the_demo_bank_and_shows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CRM_DB", raising=False)
    # The default path, moved into tmp_path (not chdir: Streamlit reads .streamlit/ from the cwd).
    default = tmp_path / "data" / "crm.duckdb"
    monkeypatch.setattr(store, "DEFAULT_DB", default)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    # the demo bank comes with demo accounts, shown on the sign-in page
    demo_shown = " ".join(str(v) for tb in at.table for v in tb.value.to_numpy().ravel())
    assert "demo-admin" in demo_shown and "admin-demo" in demo_shown
    sign_in(at, "demo-admin", "admin-demo", create=False)
    assert not at.exception
    built = default
    assert built.exists()
    con = store.connect_reader(built)
    try:
        customers = con.execute("SELECT count(*) FROM customers").fetchone()
    finally:
        con.close()
    assert customers == (3000,)  # the demo's default size
    assert [m.label for m in at.metric]  # the overview's cards are drawn, not an empty state


def test_a_configured_store_that_is_missing_is_reported_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "elsewhere.duckdb"
    monkeypatch.setenv("CRM_DB", str(missing))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    sign_in(at)  # the accounts file beside the missing store is not the store
    assert not at.exception
    assert not missing.exists()
    shown = [*at.warning, *at.info, *at.error]
    assert any("There is no data store yet" in str(w.value) for w in shown)


@pytest.mark.parametrize(
    "page", ["app_pages/overview.py", "app_pages/lending.py", "app_pages/upload.py"]
)
def test_a_store_missing_tables_says_which_and_never_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    # A DuckDB file made outside the app: only branches exists (no customers, no history).
    partial = tmp_path / "partial.duckdb"
    con = store.connect(partial, read_only=False)
    con.execute("CREATE TABLE branches (branch_id VARCHAR, branch_name VARCHAR, region VARCHAR)")
    con.close()
    monkeypatch.setenv("CRM_DB", str(partial))
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    sign_in(at)
    at.switch_page(page)
    at.run()
    assert not at.exception
    if page != "app_pages/upload.py":  # the upload page is how the tables get made
        shown = " ".join(str(m.value) for m in at.info)
        assert "The store has no table customers, loans," in shown
