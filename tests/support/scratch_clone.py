"""A scratch copy of this checkout, for tests that run make steps or the update command somewhere else.

The copy is a local ``git clone`` of HEAD plus the working tree's uncommitted changes, so a test sees the code as
it is being edited, and nothing it does can touch the real checkout.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def git(*args: str, cwd: Path = REPO) -> str:
    """Run git in ``cwd`` (the repository by default) and return its standard output."""
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def clone_with_working_tree(dest: Path) -> None:
    """Clone HEAD into ``dest``, then copy over (or delete) what the working tree changed and did not commit."""
    git("clone", "--quiet", "--no-checkout", str(REPO), str(dest))
    git("checkout", "--quiet", git("rev-parse", "HEAD").strip(), cwd=dest)
    changed = git("diff", "--name-only", "-z", "HEAD") + git("ls-files", "--others", "--exclude-standard", "-z")
    for name in filter(None, changed.split("\0")):
        if (REPO / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, dest / name)
        else:
            (dest / name).unlink(missing_ok=True)
