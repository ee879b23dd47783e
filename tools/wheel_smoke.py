"""``make wheel-smoke``: the built wheel, installed on other Pythons, runs the quick start against FakeAtlas.

    python tools/wheel_smoke.py 3.12 3.13

Builds the wheel once (hatchling from the dev venv), then for each version: a fresh venv from that interpreter,
``pip install '<wheel>[testing]'`` (the dependencies from the package index, as a user gets them), a check that
``atlas_admin`` is imported from that venv, and ``examples/run_demo.py`` (FakeAtlas on loopback + the quick start).

An interpreter is ``$PYTHON3_12`` (for 3.12), else ``python3.12`` on PATH, else pyenv's newest 3.12.x. Without one,
that version is skipped with one line; under ``CI=true`` that is a failure, since the classifiers promise it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# What the quick start prints when it ran through against the fake: the retried 503 and the typed 404.
EXPECTED_OUTPUT = ("retries_taken=1", "AtlasNotFoundError: status=404", "FakeAtlas saw")


def _runs(python: str, version: str) -> bool:
    try:
        out = subprocess.run(
            [python, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == version


def find_interpreter(version: str) -> str | None:
    candidates = [os.environ.get(f"PYTHON{version.replace('.', '_')}", ""), shutil.which(f"python{version}") or ""]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    found = sorted(
        pyenv_root.glob(f"versions/{version}.*/bin/python{version}"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
    )
    candidates += [str(p) for p in reversed(found)]
    return next((c for c in candidates if c and _runs(c, version)), None)


def build_wheel(dest: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(dest), "."],
        cwd=REPO,
        check=True,
    )
    (wheel,) = dest.glob("atlas_admin-*.whl")
    return wheel


def smoke(version: str, python: str, wheel: Path, work: Path) -> list[str]:
    """Problems found (none when the wheel works on this interpreter)."""
    venv = work / f"venv-{version}"
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    vpython = str(venv / "bin" / "python")
    subprocess.run(
        [vpython, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", f"{wheel}[testing]"], check=True
    )
    where = subprocess.run(
        [vpython, "-c", "import atlas_admin, atlas_admin_api, atlas_admin.testing; print(atlas_admin.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    if where.returncode or not where.stdout.strip().startswith(str(venv)):
        return [f"atlas_admin not imported from the venv: {where.stdout}{where.stderr}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONGODB_ATLAS_")}
    demo = subprocess.run(
        [vpython, str(REPO / "examples" / "run_demo.py")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    problems = [f"the quick start printed no {text!r}" for text in EXPECTED_OUTPUT if text not in demo.stdout]
    if demo.returncode or problems:
        problems.append(f"run_demo.py exited {demo.returncode}:\n{demo.stdout}{demo.stderr}")
    return problems


def main(versions: list[str]) -> int:
    in_ci = os.environ.get("CI", "").lower() == "true"
    failed = False
    with tempfile.TemporaryDirectory(prefix="atlas-wheel-smoke-") as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "dist")
        for version in versions:
            python = find_interpreter(version)
            if python is None:
                verdict = "FAILED (CI=true)" if in_ci else "SKIPPED"
                print(
                    f"{verdict}: no Python {version} interpreter (python{version} on PATH, "
                    f"$PYTHON{version.replace('.', '_')}, or pyenv): the wheel is not smoke-tested on {version}",
                    file=sys.stderr,
                )
                failed = failed or in_ci
                continue
            started = time.monotonic()
            problems = smoke(version, python, wheel, work)
            took = time.monotonic() - started
            if problems:
                failed = True
                print(f"FAILED: {wheel.name} on Python {version} ({python}):", *problems, sep="\n  ", file=sys.stderr)
            else:
                print(f"ok: {wheel.name}[testing] on Python {version} ({python}) ran the quick start ({took:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["3.12", "3.13"]))
