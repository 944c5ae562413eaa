"""metrics/ must never import Streamlit: it is the pure layer the CLI and tests share."""

import subprocess
import sys


def test_metrics_imports_without_streamlit() -> None:
    code = (
        "import sys, importlib, pkgutil, metrics\n"
        "for m in pkgutil.iter_modules(metrics.__path__):\n"
        "    if m.name != '__main__':\n"
        "        importlib.import_module('metrics.' + m.name)\n"
        "print('streamlit' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
