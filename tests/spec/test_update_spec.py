"""`make update-spec` for real: a scratch copy of the repository taken from 2026-02-24 to 2026-06-23.

The repository (HEAD plus the working tree's changes) is cloned into a temporary folder that reuses this
checkout's ``.venv`` (a link; ``pyproject.toml`` is dated back so make does not reinstall into it). There:

1. the scratch copy is set to the 2026-02-24 snapshot (the document and its date only: the update regenerates
   everything from the document anyway), with one simulated rename on top: GET /groups/{groupId}/clusters had
   the official name ``listLegacyClusters`` then, and the record of published names holds its method name;
2. ``make update-spec SPEC=<2026-06-23>`` stops (operations were removed) and changes nothing;
3. with ``ALLOW_BREAKING=1`` it goes through; the new ``API-CHANGES.md`` section names the real changes that
   were checked by hand in the two files (tests/spec/test_spec_diff_snapshots.py), and the rename;
4. ``make check-generated`` and ``mypy --strict`` pass on the result, generated/ equals this checkout's except
   for the alias, and calling the old name warns ``AtlasDeprecationWarning`` naming the new one.

Needs ``../shared/atlas-openapi`` (the older snapshot is not checked in) and the doc pages (so that re-assembling
reads them, as on a developer's machine; without them it reads ``openapi/documented-operations.json``, which
tests/test_bare_clone.py covers); skips with one line without them. One of the slowest tests of the suite: one assemble and two
generations of the whole API (about 4 minutes on a busy 2-core machine); mypy reuses this checkout's cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from scratch_clone import clone_with_working_tree, git
from shared_dirs import require_docs, require_shared

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "openapi"))

import update_spec  # noqa: E402

OLD = "atlas-api-2026-02-24.yaml"
NEW = "atlas-api-2026-06-23.yaml"
CLUSTERS = "/api/atlas/v2/groups/{groupId}/clusters"
TIMEOUT = 900


def _env(docs: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "ALLOW_BREAKING", "CI")}
    env["ATLAS_DOCS_DIR"] = str(docs)
    env.update(extra)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def _status(scratch: Path) -> str:
    return git("status", "--porcelain", cwd=scratch)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    snapshots = require_shared("atlas-openapi")
    require_docs()
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout (an sdist): there is no repository to clone")
    if not (REPO / "openapi" / "upstream" / "atlas-api.yaml").exists():
        pytest.skip("the pipeline does not read an official document (openapi/upstream/atlas-api.yaml) yet")
    if not (REPO / ".venv" / ".installed").exists():
        pytest.skip("no installed .venv to reuse (run make install)")
    scratch = tmp_path_factory.mktemp("update-spec") / "atlas-admin"
    clone_with_working_tree(scratch)
    (scratch / ".venv").symlink_to(REPO / ".venv")
    installed = (REPO / ".venv" / ".installed").stat().st_mtime
    os.utime(scratch / "pyproject.toml", (installed - 60, installed - 60))

    # 1. The 2026-02-24 snapshot, with the simulated older official name of GET /groups/{groupId}/clusters.
    text = (snapshots / OLD).read_text(encoding="utf-8")
    marker = "            x-xgen-operation-id-override: listClusters\n"  # GET /groups/{groupId}/clusters
    assert text.count(marker) == 1, "the snapshot changed: pick another operation for the simulated rename"
    text = text.replace(marker, "            x-xgen-operation-id-override: listLegacyClusters\n")
    (scratch / "openapi" / "upstream" / "atlas-api.yaml").write_text(text, encoding="utf-8")
    upstream_py = scratch / "openapi" / "upstream.py"
    upstream_py.write_text(
        upstream_py.read_text(encoding="utf-8").replace('SNAPSHOT_DATE = "2026-06-23"', 'SNAPSHOT_DATE = "2026-02-24"'),
        encoding="utf-8",
    )
    record = scratch / "openapi" / "facade-names.yaml"
    key = f'"GET {CLUSTERS}": ['
    text = record.read_text(encoding="utf-8")
    if key in text:
        text = text.replace(key, key + "list_legacy_clusters, ")
    else:  # not recorded yet: the update records the checked-in names first, and keeps this one
        text += f"  {key}list_legacy_clusters]\n"
    record.write_text(text, encoding="utf-8")
    git("add", "-A", cwd=scratch)
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "--quiet", "-m", "at 2026-02-24", cwd=scratch)
    return scratch


@pytest.fixture(scope="module")
def updated(scratch: Path) -> tuple[Path, str]:
    docs = require_docs()
    new = require_shared("atlas-openapi") / NEW
    refused = _run(["make", "--no-print-directory", "update-spec", f"SPEC={new}"], scratch, _env(docs))
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "break callers of the SDK; nothing was changed" in refused.stderr
    assert "BREAKING POST /api/atlas/v2/groups/{groupId}/serverless" in refused.stderr
    assert _status(scratch) == "", "a refused update must leave the copy untouched"

    done = _run(["make", "--no-print-directory", "update-spec", f"SPEC={new}", "ALLOW_BREAKING=1"], scratch, _env(docs))
    assert done.returncode == 0, done.stdout + done.stderr
    return scratch, (scratch / "API-CHANGES.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_report_names_the_real_changes(updated: tuple[Path, str]) -> None:
    _, changes = updated
    section = changes.split("\n## ")[1]  # the newest section, first under the header
    assert section.startswith("2026-06-23 (from 2026-02-24)\n")
    assert "504 → 522 operations, 33 added, 15 removed" in section
    # Checked by hand with grep in both files (see tests/spec/test_spec_diff_snapshots.py):
    assert "| `GET /api/atlas/v2/orgs/{orgId}/maintenanceSettings` |" in section  # added
    assert "**BREAKING** `POST /api/atlas/v2/groups/{groupId}/serverless`" in section  # removed
    assert "response 200 `[]` enum values added: `ATLAS_NODE_TYPE`" in section  # new enum value
    assert "query parameter `orgMembershipStatus` deprecated" in section  # newly deprecated
    assert "request body `roles` now required" in section  # new required request field
    assert "`application/vnd.atlas.2023-02-01+json` sunset moved 2026-03-01 → 2027-07-01" in section
    # The simulated rename, with the old name kept.
    assert f"- `GET {CLUSTERS}`: `listLegacyClusters` → `listClusters` (old name kept as a deprecated alias)" in section


@pytest.mark.slow
def test_result_passes_check_generated_and_mypy(updated: tuple[Path, str]) -> None:
    scratch, _ = updated
    env = _env(require_docs())
    check = _run(["make", "--no-print-directory", "check-generated"], scratch, env)
    assert check.returncode == 0, check.stdout + check.stderr
    # mypy's cache from this checkout (make lint runs before pytest): entries are checked by content, so only
    # the modules the update changed are analysed again (seconds instead of minutes for the whole API).
    if (REPO / ".mypy_cache").is_dir() and not (scratch / ".mypy_cache").exists():
        shutil.copytree(REPO / ".mypy_cache", scratch / ".mypy_cache")
    mypy = _run(
        [str(REPO / ".venv" / "bin" / "mypy"), "--strict", "-p", "atlas_admin", "-p", "atlas_admin_api"], scratch, env
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.slow
def test_generated_code_is_this_checkouts_plus_the_alias(updated: tuple[Path, str]) -> None:
    scratch, _ = updated
    changed = git("status", "--porcelain", "--", "generated", "openapi", cwd=scratch).split("\n")
    changed_files = sorted(line[3:] for line in changed if line.strip())
    # Back on the 2026-06-23 document: the spec and generated code are this checkout's again, but for the alias
    # of the simulated rename (its record entry, the alias table, and the one tag module that renders it).
    assert "openapi/atlas-admin-v2.yaml" not in changed_files
    assert "openapi/upstream/atlas-api.yaml" in changed_files  # relative to the 2026-02-24 commit of the copy
    generated = [name for name in changed_files if name.startswith("generated/")]
    assert generated == ["generated/atlas_admin_api/api/clusters/__init__.py"], changed_files
    for name in generated:
        assert (scratch / name).read_text(encoding="utf-8") != (REPO / name).read_text(encoding="utf-8")


@pytest.mark.slow
def test_old_name_warns_and_calls_the_new_one(updated: tuple[Path, str]) -> None:
    scratch, _ = updated
    program = f"""
import asyncio, sys, warnings
sys.path[:0] = [{str(scratch / "generated")!r}, {str(scratch / "overlay")!r}]
from atlas_admin import AtlasDeprecationWarning
from atlas_admin_api.api import AtlasOperations

class Runner:  # the facade's OperationRunner protocol: returns what would be sent instead of sending it
    async def _run(self, kwargs, parse):
        return kwargs["url"]

clusters = AtlasOperations(Runner()).clusters
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    url = asyncio.run(clusters.list_legacy_clusters("32b6e34b3d91647abb20e7b8"))
assert url == asyncio.run(clusters.list_clusters("32b6e34b3d91647abb20e7b8")), url
(warning,) = [w for w in caught if issubclass(w.category, AtlasDeprecationWarning)]
print(warning.message)
"""
    result = _run([sys.executable, "-c", program], scratch, _env(require_docs()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "list_legacy_clusters" in result.stdout and "list_clusters" in result.stdout


# --- the parts that need no generation ------------------------------------------------------------------


def test_sections_go_newest_first_under_the_header(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(update_spec, "CHANGES", tmp_path / "API-CHANGES.md")
    update_spec.add_section("## 2026-06-23 (from 2026-02-24)\n\nfirst\n")
    update_spec.add_section("## 2026-09-01 (from 2026-06-23)\n\nsecond\n")
    text = (tmp_path / "API-CHANGES.md").read_text(encoding="utf-8")
    assert text.startswith(update_spec.CHANGES_HEADER.rstrip() + "\n\n## 2026-09-01 (from 2026-06-23)\n\nsecond\n")
    assert text.index("## 2026-09-01") < text.index("## 2026-06-23") and text.endswith("first\n")


def test_snapshot_date_from_option_file_name_or_today() -> None:
    assert update_spec.new_date(Path("x/atlas-api-2026-09-01.yaml"), None) == "2026-09-01"
    assert update_spec.new_date(Path("x/atlas-api-2026-09-01.yaml"), "2026-09-02") == "2026-09-02"
    assert (
        update_spec.new_date(Path("x/latest.yaml"), None)
        == update_spec._dt.datetime.now(update_spec._dt.UTC).date().isoformat()
    )
    with pytest.raises(update_spec.UpdateError, match="--date"):
        update_spec.new_date(Path("x.yaml"), "September")


def test_bad_input_exits_2_and_touches_nothing(tmp_path: Path) -> None:
    before = git("status", "--porcelain")
    bad = tmp_path / "atlas-api.yaml"
    bad.write_text("not: [an openapi document", encoding="utf-8")
    for argument in (str(tmp_path / "missing.yaml"), str(bad)):
        result = subprocess.run(
            [sys.executable, str(REPO / "openapi" / "update_spec.py"), argument], capture_output=True, text=True
        )
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("update-spec: ") and "Traceback" not in result.stderr
    assert git("status", "--porcelain") == before


def test_make_update_spec_needs_spec() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "SPEC")}
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "install", "update-spec"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "usage: make update-spec SPEC=path/to/atlas-api.yaml" in result.stdout


def _doc(*operations: str) -> str:
    paths = "".join(
        f"  /api/atlas/v2/{name}:\n    get:\n      operationId: {name}\n"
        "      responses:\n        '200':\n          description: OK\n"
        for name in operations
    )
    return f"openapi: 3.0.1\ninfo:\n  title: t\n  version: '2.0'\npaths:\n{paths}"


@pytest.mark.parametrize("before", ["everything", "no docs/ nor API-CHANGES.md"])
def test_failed_generation_puts_every_file_back(
    before: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make generate` fails after the document, the spec, the name record and part of generated/ were written."""
    import facade_names

    repo = tmp_path / "repo"
    openapi = repo / "openapi"
    files = {
        "openapi/upstream/atlas-api.yaml": _doc("listThings"),
        "openapi/upstream/README.md": "2026-06-23, 1 operations, 0 schemas\n",
        "openapi/upstream.py": 'SNAPSHOT_DATE = "2026-06-23"\n',
        "openapi/atlas-admin-v2.yaml": _doc("listThings"),
        "openapi/facade-names.yaml": "operations:\n",
        "openapi/templates/atlas_deprecated_names.jinja": "{% set deprecated_names = {} %}\n",
        "generated/atlas_admin_api/api/things.py": "def list_things(): ...\n",
        "docs/OPERATIONS.md": "# Operations\n",
        "API-CHANGES.md": update_spec.CHANGES_HEADER,
    }
    if before != "everything":
        del files["docs/OPERATIONS.md"], files["API-CHANGES.md"]
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text, encoding="utf-8")
    for attr, path in {
        "HERE": openapi,
        "REPO": repo,
        "UPSTREAM_DOC": openapi / "upstream" / "atlas-api.yaml",
        "UPSTREAM_README": openapi / "upstream" / "README.md",
        "UPSTREAM_MODULE": openapi / "upstream.py",
        "SPEC": openapi / "atlas-admin-v2.yaml",
        "CHANGES": repo / "API-CHANGES.md",
    }.items():
        monkeypatch.setattr(update_spec, attr, path)
    monkeypatch.setattr(facade_names, "RECORD", openapi / "facade-names.yaml")
    monkeypatch.setattr(facade_names, "TABLE", openapi / "templates" / "atlas_deprecated_names.jinja")

    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(repo)): p.read_bytes() for p in sorted(repo.rglob("*")) if p.is_file()}

    calls: list[str] = []

    def run(args: list[str], cwd: Path, **_: object) -> subprocess.CompletedProcess[str]:
        assert cwd == repo
        if args[0] == "make":  # generation writes part of generated/ and docs/, then fails
            calls.append("generate")
            (repo / "generated" / "atlas_admin_api" / "api" / "things.py").write_text("half", encoding="utf-8")
            (repo / "generated" / "atlas_admin_api" / "api" / "others.py").write_text("new", encoding="utf-8")
            (repo / "docs").mkdir(exist_ok=True)
            (repo / "docs" / "OPERATIONS.md").write_text("half", encoding="utf-8")
            return subprocess.CompletedProcess(args, 2, "", "openapi-python-client: stopped half way\n")
        assert args[1].endswith("assemble.py")
        calls.append("assemble")
        (openapi / "atlas-admin-v2.yaml").write_text(_doc("listThings", "listOthers"), encoding="utf-8")
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(
        update_spec, "subprocess", SimpleNamespace(run=run, CompletedProcess=subprocess.CompletedProcess)
    )
    new = tmp_path / "atlas-api-2026-09-01.yaml"
    new.write_text(_doc("listThings", "listOthers"), encoding="utf-8")
    expected = snapshot()

    assert update_spec.update(new, allow_breaking=False) == 2
    err = capsys.readouterr().err
    assert calls == ["assemble", "generate"]
    assert "update-spec: make generate failed (exit 2):\nopenapi-python-client: stopped half way\n" in err
    assert err.endswith("update-spec: every file was put back as it was\n")
    assert snapshot() == expected  # the same files (none added, none lost), byte for byte
    assert (repo / "docs").exists() == ("docs/OPERATIONS.md" in files)
