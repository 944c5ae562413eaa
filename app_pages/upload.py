"""Load extracts: drop files, check and preview them, load them in one transaction, undo a load."""

from __future__ import annotations

import streamlit as st

from ui import auth
from ui import upload as up
from ui.sidebar import current_filters

if not auth.allowed("upload", {"page": "upload"}):  # the page is hidden too; this is the check
    st.stop()
st.title(up.tr("upload.title"))
st.caption(up.tr("upload.intro"))

db = up.store_path()
if not db.exists():
    st.info(up.tr("upload.no_store"))

mode = up.mode_picker()
files = up.pick_files()
items = [up.file_panel(i, f) for i, f in enumerate(files)]
up.check_batch(db, items, mode)
up.load_section(db, items, mode, current_filters())
up.result_section()

st.divider()
up.history_section(db)
