"""bench/soak.py in miniature: it runs, reports every figure, and sees no unexpected exception or leak."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

SOAK_SCRIPT = Path(__file__).parents[2] / "bench" / "soak.py"
FIGURES = {
    "calls": int,
    "concurrency": int,
    "fault_rate": float,
    "elapsed_s": float,
    "outcomes": dict,
    "failures": dict,
    "unexpected": list,
    "unexpected_count": int,
    "faults_injected": dict,
    "http_attempts": int,
    "retries": int,
    "token_requests": int,
    "connections_open_at_end": int,
    "connections_after_close": int,
    "fds_before": int,
    "fds_after": int,
    "fd_growth": int,
    "sockets_before": int,
    "sockets_after": int,
    "rss_start_kib": int,
    "rss_after_warmup_kib": int,
    "rss_end_kib": int,
    "rss_growth_after_warmup_kib": int,
    "ok": bool,
}


@pytest.fixture(scope="module")
def soak() -> ModuleType:
    # bench/ is a folder of scripts, not a package: load the script by path.
    spec = importlib.util.spec_from_file_location("atlas_admin_soak", SOAK_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_small_soak_reports_every_figure_and_no_unexpected_error(
    soak: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "soak.json"

    exit_code = soak.main(["--calls", "300", "--concurrency", "16", "--fault-rate", "0.05", "--json", str(out)])

    report = json.loads(out.read_text())
    assert exit_code == 0, report
    for name, kind in FIGURES.items():
        assert isinstance(report[name], kind), name
    assert report["calls"] == sum(report["outcomes"].values()) == 300
    assert report["unexpected"] == []
    assert set(report["failures"]) <= soak.EXPECTED_FAILURES
    assert report["http_attempts"] >= 300
    assert report["connections_after_close"] == 0
    assert report["fd_growth"] <= soak.FD_MARGIN
    assert report["ok"] is True
    printed = capsys.readouterr().out
    assert "failures by kind" in printed
    assert "verdict: OK" in printed


def test_bad_arguments_are_refused(soak: ModuleType) -> None:
    with pytest.raises(SystemExit):
        soak.main(["--fault-rate", "2"])
