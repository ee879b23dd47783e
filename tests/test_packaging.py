"""What a user gets: the sdist builds a wheel, the tests shipped in the sdist pass against that wheel, only the
user-facing extra is published, and every third-party import of the package is declared.
"""

from __future__ import annotations

import ast
import email
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from shared_dirs import KNOWN, find_shared

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
# What the sdist may hold: the wheel's sources, its metadata files, and the tests that run against the installed
# package (with their support modules). Nothing of the spec, the generator, the examples or the repo's own checks.
# (hatchling always adds .gitignore, which it reads to know what to leave out of a build from the sdist.)
SDIST_ALLOWED = re.compile(
    r"(PKG-INFO|\.gitignore|pyproject\.toml|README\.md|LICENSE|CHANGELOG\.md"
    r"|generated/atlas_admin_api/.+|overlay/atlas_admin/.+"
    r"|tests/conftest\.py|tests/(support|overlay|testing|integration)/[^/]+)"
)


def _run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def sdist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    built = _run([sys.executable, "-c", f"from hatchling.build import build_sdist; build_sdist({str(dist)!r})"], REPO)
    assert built.returncode == 0, built.stderr
    (archive,) = dist.glob("atlas_admin-*.tar.gz")
    return archive


def _sdist_names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return [m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()]


def test_sdist_holds_only_the_wheel_sources_and_the_tests_that_run_from_it(sdist: Path) -> None:
    names = _sdist_names(sdist)
    assert [n for n in names if not SDIST_ALLOWED.fullmatch(n)] == []
    assert [n for n in names if "__pycache__" in n or n.endswith(".pyc")] == []
    for required in ("LICENSE", "README.md", "CHANGELOG.md", "overlay/atlas_admin/__init__.py", "tests/conftest.py"):
        assert required in names, required
    assert "generated/atlas_admin_api/openapi.json" in names
    assert any(n.startswith("tests/integration/test_") for n in names)
    # Tests that need the repository (the spec, the generator, bench/, examples/, the doc pages) stay out.
    assert not any(n.startswith(("tests/generated/", "tests/spec/", "tests/examples/", "openapi/")) for n in names)
    assert "tests/integration/test_soak_smoke.py" not in names


@pytest.mark.slow
def test_sdist_builds_a_wheel_whose_shipped_tests_pass(sdist: Path, tmp_path: Path) -> None:
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    (source,) = tmp_path.glob("atlas_admin-*")
    wheel_dir = tmp_path / "wheel"
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheel_dir), "."],
        source,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheel_dir.glob("atlas_admin-*.whl")
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        tops = {name.split("/", 1)[0] for name in zf.namelist()}
        assert {t for t in tops if not t.endswith(".dist-info")} == {"atlas_admin", "atlas_admin_api"}
        assert any(n.endswith(".dist-info/licenses/LICENSE") for n in zf.namelist())
        zf.extractall(site)

    # The wheel's copy is imported (PYTHONPATH comes before this venv's editable install), not the repo's. The
    # shipped tests that need a ../shared folder find this checkout's through its variable (they skip without).
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    for name, shared in KNOWN.items():
        if (found := find_shared(name)) is not None:
            env[shared.env] = str(found)
    where = _run(
        [sys.executable, "-c", "import atlas_admin, atlas_admin_api; print(atlas_admin.__file__)"], source, env
    )
    assert where.stdout.startswith(str(site)), where.stdout + where.stderr
    tested = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], source, env)
    summary = tested.stdout.strip().splitlines()[-1]
    assert tested.returncode == 0, tested.stdout[-5000:] + tested.stderr[-2000:]
    assert re.search(r"\d{3,} passed", summary) and "failed" not in summary and "error" not in summary, summary


# The extras a user may want: FakeAtlas, and the faster JSON decoder.
USER_FACING_EXTRAS = ["testing", "fast"]


def test_only_the_user_facing_extras_are_published(sdist: Path) -> None:
    assert list(PYPROJECT["project"]["optional-dependencies"]) == USER_FACING_EXTRAS
    # The developers' tools are dependency groups, which a build does not publish.
    assert {"dev", "bench", "test"} <= set(PYPROJECT["dependency-groups"])
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/PKG-INFO"))
        extracted = tar.extractfile(member)
        assert extracted
        metadata = email.message_from_bytes(extracted.read())
    assert sorted(metadata.get_all("Provides-Extra")) == sorted(USER_FACING_EXTRAS)
    assert metadata["License-Expression"] == "Apache-2.0"


def _third_party_imports(path: Path) -> set[str]:
    """Top-level names of the non-stdlib, non-project modules that a file, or every file under a folder, imports."""
    found: set[str] = set()
    for file in [path] if path.is_file() else path.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"atlas_admin", "atlas_admin_api"}


def _declared(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=\[ ;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements}


def _distributions(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    return {owners[m][0].lower().replace("_", "-") for m in modules}


# Imported only inside a hook that the other library itself calls (pydantic calls __get_pydantic_core_schema__).
HOOK_ONLY_IMPORTS = {"pydantic_core"}


def test_every_import_is_declared() -> None:
    runtime = _declared(PYPROJECT["project"]["dependencies"])
    extras = PYPROJECT["project"]["optional-dependencies"]
    testing = _declared(extras["testing"])
    optional = _declared([r for name, reqs in extras.items() if name != "testing" for r in reqs])
    overlay = REPO / "overlay" / "atlas_admin"
    fake_imports = _third_party_imports(overlay / "testing")
    runtime_imports = _third_party_imports(REPO / "generated" / "atlas_admin_api").union(
        *(_third_party_imports(f) for f in overlay.rglob("*.py") if "testing" not in f.relative_to(overlay).parts)
    )
    # Outside FakeAtlas: the runtime dependencies, or an optional extra's (imported only when installed).
    assert _distributions(runtime_imports - HOOK_ONLY_IMPORTS) <= runtime | optional, runtime_imports
    assert _distributions(fake_imports) <= runtime | testing, fake_imports
    assert {"jsonschema", "referencing", "starlette", "uvicorn"} <= fake_imports


def test_classifiers_name_exactly_the_tested_pythons() -> None:
    versions = {
        c.rsplit(" ", 1)[1]
        for c in PYPROJECT["project"]["classifiers"]
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    smoke = re.search(r"^\t\$\(PY\) tools/wheel_smoke\.py (.+)$", makefile, re.MULTILINE)
    assert smoke, "the Makefile's wheel-smoke target runs tools/wheel_smoke.py"
    # CI's own interpreter (the suite), plus the wheel-smoke ones; `make test` runs the smoke.
    assert versions == {f"{sys.version_info.major}.{sys.version_info.minor}", *smoke[1].split()}
    assert re.search(r"^test: .*\bwheel-smoke\b", makefile, re.MULTILINE)
    assert PYPROJECT["project"]["requires-python"] == f">={min(versions, key=lambda v: int(v.split('.')[1]))}"


def test_make_demo_installs_only_the_runtime_and_the_testing_extra() -> None:
    # What `make demo` would run on a fresh checkout (-B: as if nothing were installed yet), without running it.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under make test
    planned = _run(["make", "-n", "-B", "--no-print-directory", "demo"], REPO, env).stdout.splitlines()
    installs = [line for line in planned if " pip install " in line]
    assert installs == [".venv-demo/bin/python -m pip install --quiet --disable-pip-version-check -e '.[testing]'"]
    assert planned[-1] == ".venv-demo/bin/python examples/run_demo.py"
    assert not any(".venv/" in line or "--group" in line or "npm" in line for line in planned), planned
