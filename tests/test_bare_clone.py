"""A user's clone has no ``../shared``: the steps of ``make test`` that read the doc pages skip there, with one line.

The repository (HEAD plus the working tree's changes, so a developer tests what they are about to commit) is cloned
into a temporary folder with nothing beside it. There, every step of ``make test`` that reads a shared folder runs:
``make spec-docs-check`` and each test file that calls ``require_shared``/``require_docs``. They must pass with skips
that all say one line per missing folder; under ``CI=true`` the same steps must fail, every skipped test with that
line. The clone reuses this checkout's ``.venv`` (``make -o install``) and ``.tools`` (a link), so nothing is installed.
``make update-spec SPEC=path`` needs nothing beside the clone either: it re-assembles from the checked-in page facts.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from scratch_clone import clone_with_working_tree, git

REPO = Path(__file__).resolve().parents[1]
SHARED_ENV = ("ATLAS_DOCS_DIR", "ATLAS_OPENAPI_DIR")


def _load_shared_dirs(clone: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("clone_shared_dirs", clone / "tests" / "support" / "shared_dirs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def _count(summary: str, word: str) -> int:
    found = re.search(rf"(\d+) {word}", summary)
    return int(found[1]) if found else 0


@pytest.fixture(scope="module")
def bare_clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout (an sdist): there is no repository to clone")
    clone = tmp_path_factory.mktemp("bare") / "atlas-admin"
    clone_with_working_tree(clone)
    if (REPO / ".tools").is_dir():
        (clone / ".tools").symlink_to(REPO / ".tools")
    assert not (clone.parent / "shared").exists()
    return clone


def _run(cmd: list[str], clone: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in (*SHARED_ENV, "CI", "MAKEFLAGS", "MFLAGS")}
    if ci:
        env["CI"] = "true"
    return subprocess.run(cmd, cwd=clone, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow
def test_docs_steps_skip_on_a_bare_clone_and_fail_under_ci(bare_clone: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SHARED_ENV:
        monkeypatch.delenv(name, raising=False)
    shared_dirs = _load_shared_dirs(bare_clone)
    docs_message = shared_dirs.missing_message("atlas-docs")
    assert "ATLAS_DOCS_DIR" in docs_message and "doc pages" in docs_message and "\n" not in docs_message
    messages = {shared_dirs.missing_message(name) for name in shared_dirs.KNOWN}

    make = ["make", "-s", "-o", "install", f"VENV={REPO / '.venv'}", "spec-docs-check"]
    files = sorted(
        str(path.relative_to(bare_clone))
        for path in (bare_clone / "tests").rglob("test_*.py")
        if re.search(r"\brequire_(shared|docs)\(", path.read_text(encoding="utf-8"))
    )
    assert "tests/spec/test_docs_coverage.py" in files
    pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", *files]

    # A user's clone: the make step says the one line and passes; the tests skip, each with that line.
    made = _run(make, bare_clone, ci=False)
    assert made.returncode == 0, made.stdout + made.stderr
    assert (made.stdout + made.stderr).strip() == f"SKIPPED: {docs_message}"
    tested = _run(pytest_cmd, bare_clone, ci=False)
    assert tested.returncode == 0, tested.stdout[-5000:]
    reasons = re.findall(r"^SKIPPED \[\d+\] [^:]+:\d+: (.*)$", tested.stdout, re.MULTILINE)
    assert docs_message in reasons and set(reasons) <= messages, reasons
    summary = tested.stdout.strip().splitlines()[-1]
    skipped = _count(summary, "skipped")
    assert skipped >= 4 and _count(summary, "failed") == 0, summary

    # CI=true: the same steps fail, every one of those tests with the same line.
    made = _run(make, bare_clone, ci=True)
    assert made.returncode != 0
    assert f"FAILED (CI=true): {docs_message}" in made.stderr
    tested = _run(pytest_cmd, bare_clone, ci=True)
    assert tested.returncode == 1, tested.stdout[-5000:]
    failures = re.findall(r"^(?:FAILED|ERROR) \S+ - Failed: (.*)$", tested.stdout, re.MULTILINE)
    summary = tested.stdout.strip().splitlines()[-1]
    assert "skipped" not in summary, summary
    assert len(failures) == skipped == _count(summary, "failed") + _count(summary, "error"), tested.stdout[-5000:]
    assert set(failures) <= messages and docs_message in failures


@pytest.mark.slow
def test_make_update_spec_works_without_the_doc_pages(tmp_path: Path) -> None:
    """`make update-spec SPEC=path` on a user's clone: it re-assembles from the checked-in page facts.

    The new document is the checked-in one with one operation's summary reworded. Generation is the one step
    left out (a stand-in ``make`` on PATH answers ``make generate``: regenerating the whole API takes minutes,
    tests/spec/test_update_spec.py runs it); everything before and after it runs for real.
    """
    clone = tmp_path / "atlas-admin"
    clone_with_working_tree(clone)
    git("add", "-A", cwd=clone)  # the working tree's changes: the baseline the update is compared with
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "--allow-empty", "-m", "base", cwd=clone)
    assert not (clone.parent / "shared").exists()
    old, new = "Return All Alert Configuration Matchers Field Names", "Return Every Alert Configuration Matcher Field"
    document = (clone / "openapi" / "upstream" / "atlas-api.yaml").read_text(encoding="utf-8")
    assert document.count(old) == 1, "the document changed: pick another operation summary"
    spec = tmp_path / "new" / "atlas-api-2026-06-23.yaml"  # the same date: only the summary differs
    spec.parent.mkdir()
    spec.write_text(document.replace(old, new), encoding="utf-8")
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "make").write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "make-calls"}\n', encoding="utf-8")
    (fake / "make").chmod(0o755)
    real_make = shutil.which("make")
    assert real_make

    command = [
        real_make,
        "--no-print-directory",
        "-o",
        "install",
        f"VENV={REPO / '.venv'}",
        "update-spec",
        f"SPEC={spec}",
    ]
    env = {k: v for k, v in os.environ.items() if k not in (*SHARED_ENV, "CI", "MAKEFLAGS", "MFLAGS", "ALLOW_BREAKING")}
    env["PATH"] = f"{fake}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(command, cwd=clone, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "doc pages" not in done.stderr and "updated to atlas-api-2026-06-23" in done.stdout
    assert (tmp_path / "make-calls").read_text(encoding="utf-8") == "--no-print-directory generate\n"

    status = git("status", "--porcelain", cwd=clone).splitlines()
    assert sorted(line[3:] for line in status) == [
        "API-CHANGES.md",
        "openapi/atlas-admin-v2.yaml",
        "openapi/upstream/README.md",  # its checksum
        "openapi/upstream/atlas-api.yaml",
    ], status
    diff = git("diff", "-U0", "--", "openapi/atlas-admin-v2.yaml", cwd=clone)
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert [line[1:].strip() for line in changed] == [f"summary: {old}", f"summary: {new}"], diff
