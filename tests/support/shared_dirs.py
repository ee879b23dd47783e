"""Folders that sit beside the repository in the developers' workspace (``../shared/...``) and not in a user's clone.

A check that needs one calls ``require_shared(name)`` (or ``require_docs()``): without the folder it skips, with one
line saying what is missing, why it matters and which variable points elsewhere; under ``CI=true`` (CI always has the
folders) it fails with that same line instead. ``make spec-check`` uses the same line through the command form::

    python tests/support/shared_dirs.py atlas-docs -- python openapi/assemble.py --check

which runs the command when the folder is there, and otherwise prints the line and exits 0 (1 under ``CI=true``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class SharedDir:
    name: str  # the folder's name under <repo>/../shared/
    env: str  # the variable that points elsewhere
    what: str
    why: str


KNOWN = {
    shared.name: shared
    for shared in (
        SharedDir(
            "atlas-docs",
            "ATLAS_DOCS_DIR",
            "the Atlas doc pages",
            "the checks that the spec matches the documentation cannot run",
        ),
        SharedDir(
            "atlas-openapi",
            "ATLAS_OPENAPI_DIR",
            "the official Atlas OpenAPI snapshots",
            "the checks against older official documents cannot run",
        ),
    )
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def shared_dir(name: str) -> Path:
    """Where the folder is expected: ``$<ENV>`` when set, else ``<repo>/../shared/<name>``."""
    override = os.environ.get(KNOWN[name].env)
    return Path(override) if override else REPO.parent / "shared" / name


def missing_message(name: str) -> str:
    """The one line every check that needs the folder prints without it."""
    shared = KNOWN[name]
    return (
        f"{shared.what} are missing ({shared_dir(name)}): {shared.why}; "
        f"set {shared.env} to their folder (default ../shared/{name} beside the repository)"
    )


def find_shared(name: str) -> Path | None:
    """The folder if it is there and not empty, else None."""
    path = shared_dir(name)
    return path if path.is_dir() and any(path.iterdir()) else None


def require_shared(name: str) -> Path:
    """The folder, or skip the calling test (fail it under ``CI=true``) with ``missing_message(name)``."""
    import pytest

    path = find_shared(name)
    if path is None:
        if in_ci():
            pytest.fail(missing_message(name), pytrace=False)
        pytest.skip(missing_message(name))
    return path


def require_docs() -> Path:
    """The Atlas doc pages (``ATLAS_DOCS_DIR``, default ``../shared/atlas-docs``)."""
    return require_shared("atlas-docs")


def main(argv: list[str]) -> int:
    """``shared_dirs.py NAME -- COMMAND...``: run COMMAND if the folder is there, else say so once."""
    if len(argv) < 3 or argv[1] != "--" or argv[0] not in KNOWN:
        print(f"usage: shared_dirs.py {{{','.join(KNOWN)}}} -- COMMAND...", file=sys.stderr)
        return 2
    if find_shared(argv[0]) is None:
        verdict = "FAILED (CI=true)" if in_ci() else "SKIPPED"
        print(f"{verdict}: {missing_message(argv[0])}", file=sys.stderr)
        return 1 if in_ci() else 0
    return subprocess.run(argv[2:], check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
