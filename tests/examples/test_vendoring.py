"""`make vendor`: the SDK copied into another project's tree imports and works there without being installed.

The throwaway project is examples/fastapi_app copied to tmp_path; its own tests run in a subprocess whose
sys.path has the editable install's ``overlay``/``generated`` entries removed and whose top-level
``atlas_admin``/``atlas_admin_api`` imports are blocked, so only the vendored copy can be what ran.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ABSOLUTE = re.compile(r"^\s*(from|import) atlas_admin_api\b", re.MULTILINE)

BOOTSTRAP = r"""
import importlib.abc, importlib.util, os, sys
repo, project = sys.argv[1], sys.argv[2]
editable = {os.path.join(repo, "overlay"), os.path.join(repo, "generated")}
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") not in editable]
sys.path.insert(0, project)
os.chdir(project)

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("atlas_admin", "atlas_admin_api"):
            raise ImportError(f"top-level {name} is blocked: only the vendored copy may be used")
        return None

assert importlib.util.find_spec("atlas_admin") is None, "the installed SDK is still importable"
assert importlib.util.find_spec("atlas_admin_api") is None, "the installed generated package is still importable"
sys.meta_path.insert(0, Block())

import pytest
code = pytest.main(["-q", "-s", "-p", "no:cacheprovider", "fastapi_app/test_app.py"])
loaded = sorted(m.__file__ for name, m in sys.modules.items() if "atlas_admin" in name and getattr(m, "__file__", None))
assert loaded and all(f.startswith(os.path.join(project, "fastapi_app", "_vendor")) for f in loaded), loaded
print(f"vendored modules loaded: {len(loaded)}")
sys.exit(code)
"""


def test_vendored_sdk_runs_the_fastapi_app_tests(tmp_path: Path) -> None:
    project = tmp_path / "theirproject"
    app_dir = project / "fastapi_app"
    shutil.copytree(REPO / "examples" / "fastapi_app", app_dir, ignore=shutil.ignore_patterns("__pycache__", "_vendor"))
    (project / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")

    vendored = subprocess.run(
        [sys.executable, "-m", "atlas_admin.vendor", str(app_dir / "_vendor")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert vendored.returncode == 0, vendored.stderr
    assert (app_dir / "_vendor" / "atlas_admin" / "__init__.py").is_file()
    assert (app_dir / "_vendor" / "atlas_admin_api" / "openapi.json").is_file()
    # No absolute import of the generated package survives in the vendored overlay.
    for module in (app_dir / "_vendor" / "atlas_admin").rglob("*.py"):
        assert not ABSOLUTE.search(module.read_text()), module

    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", BOOTSTRAP, str(REPO), str(project)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert f"atlas_admin from {app_dir / '_vendor' / 'atlas_admin' / '__init__.py'}" in out, out
    assert re.search(r"\b1\d passed", out) and "failed" not in out and "skipped" not in out, out
    assert "vendored modules loaded:" in out


def test_make_vendor_target_calls_the_vendor_module() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "$(PY) -m atlas_admin.vendor $(DEST)" in makefile
