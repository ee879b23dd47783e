"""`make docs`: pdoc builds the API reference for the modules the Makefile lists, with no warning.

To stay fast, the two big packages (every model on one 9 MB page, every operation module) are represented
by one member each; the rest of the Makefile's list is built as is.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _docs_modules() -> list[str]:
    makefile = (REPO / "Makefile").read_text()
    assert "\t$(PY) tools/build_docs.py site $(DOCS_MODULES)\n" in makefile, "make docs runs tools/build_docs.py"
    found = re.search(r"^DOCS_MODULES := (.+)$", makefile, re.MULTILINE)
    assert found, "Makefile defines no DOCS_MODULES"
    return found[1].replace("$(PACKAGE)", "atlas_admin_api").split()


def test_pdoc_builds_the_reference(tmp_path: Path) -> None:
    modules = _docs_modules()
    assert {"atlas_admin", "atlas_admin_api.api", "atlas_admin_api.models"} <= set(modules)
    smaller = {"atlas_admin_api.models": "atlas_admin_api.models.export_bucket_aws", "atlas_admin_api.api": None}
    modules = [smaller.get(m, m) for m in modules if smaller.get(m, m)]
    modules.append("atlas_admin_api.api.cloud_backups")
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_docs.py"), str(tmp_path), *modules],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == "", result.stderr[-3000:]  # no warning (pdoc's are printed there and fail the build)
    facade = (tmp_path / "atlas_admin.html").read_text()
    for name in ("AtlasClient", "from_env", "with_options", "capture_responses", "AtlasNotFoundError", "is_error_code"):
        assert f'id="{name}' in facade or f'id="AtlasClient.{name}' in facade, name
    model = (tmp_path / "atlas_admin_api" / "models" / "export_bucket_aws.html").read_text()
    assert 'id="ExportBucketAWS"' in model and 'id="ExportBucketAWS.iam_role_id"' in model
    assert (
        'id="CloudBackupsOperations.create_export_bucket"'
        in (tmp_path / "atlas_admin_api" / "api" / "cloud_backups.html").read_text()
    )
    assert 'id="FakeAtlas"' in (tmp_path / "atlas_admin" / "testing.html").read_text()
    assert (tmp_path / "index.html").is_file()
