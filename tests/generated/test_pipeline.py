"""The drift check catches any hand edit under generated/ (make check-generated)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_one_changed_byte_under_generated_fails_the_drift_check(tmp_path: Path) -> None:
    copy = tmp_path / "atlas_admin_api"
    shutil.copytree(ROOT / "generated" / "atlas_admin_api", copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "models" / "export_bucket_aws.py"
    data = bytearray(target.read_bytes())
    index = data.index(b"bucket_name")
    data[index] = ord("B")
    target.write_bytes(bytes(data))

    result = subprocess.run(
        ["make", "--no-print-directory", "check-generated", f"GENERATED={copy}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "out of date" in result.stdout + result.stderr
    assert "export_bucket_aws.py" in result.stdout + result.stderr
