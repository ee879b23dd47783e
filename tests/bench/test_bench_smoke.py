"""`bench/run.py --smoke`: the benchmark harness still runs end to end (no timing is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

EXPECTED_FIGURES = {
    "import.atlas_admin_vs_httpx",
    "import.atlas_admin_vs_httpx.without_httpx_cli",
    "parse.flex_clusters.generated_vs_pydantic",
    "parse.flex_clusters.lenient_vs_strict",
    "parse.flex_clusters.drifted_vs_clean",
    "parse_bytes.flex_clusters.sdk_vs_pydantic_json",
    "parse_bytes.flex_clusters.sdk_json_fallback_vs_pydantic_json",
    "json.decode.loads_json_vs_json",
    "first_call.unused_tag",
    "first_call.very_first",
    "peak_rss.flex_clusters.sdk_vs_json_loads",
    "wheel.size",
    "calls.get.sdk_vs_raw",
    "calls.get.sdk_vs_raw_cpu",
    "calls.get.generated_vs_raw",
    "calls.get.generated_vs_raw_cpu",
    "calls.list.sdk_vs_raw",
    "calls.list.sdk_vs_raw_cpu",
    "calls.list.generated_vs_raw",
    "calls.list.generated_vs_raw_cpu",
    "auth.service_account.token_requests",
    "auth.digest.exchanges_per_call.sequential",
    "auth.digest.exchanges_per_call.concurrent",
    "memory.rss_growth",
}


@pytest.mark.slow
def test_smoke_run_writes_every_figure(tmp_path: Path) -> None:
    output = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--smoke", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-4000:]

    results = json.loads(output.read_text(encoding="utf-8"))
    assert set(results) >= {"machine", "settings", "figures", "duration_s"}
    assert set(results["machine"]) >= {"nproc", "python", "cpu", "date"}
    assert results["settings"]["smoke"] is True
    figures = {f["id"]: f for f in results["figures"]}
    assert set(figures) == EXPECTED_FIGURES
    for figure in figures.values():
        assert set(figure) >= {"id", "figure", "sdk", "baseline", "ratio", "target", "pass", "details"}
        assert isinstance(figure["ratio"], int | float)
        assert figure["pass"] in (True, False, None)
        assert (figure["target"] is None) == (figure["pass"] is None)
    # The table names every figure.
    for figure in figures.values():
        assert figure["figure"] in done.stdout
