"""Static typing does its job (issue #17): mypy --strict rejects each mistake in must_fail.py (TypedDict body keys
and values, enum values, paginate/iter_pages arguments) and accepts the right calls of the arguments test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MUST_FAIL = Path(__file__).with_name("must_fail.py")
MUST_PASS = ROOT / "tests" / "generated" / "test_arguments.py"  # plain strings and dicts, as users write them


def _expected() -> dict[int, str]:
    lines = MUST_FAIL.read_text(encoding="utf-8").splitlines()
    return {
        number: match.group(1) for number, line in enumerate(lines, 1) if (match := re.search(r"# E: ([\w-]+)$", line))
    }


@pytest.mark.slow
def test_mypy_rejects_each_marked_mistake_and_nothing_else() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-pretty", "--show-error-codes", str(MUST_FAIL), str(MUST_PASS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    errors: dict[tuple[str, int], set[str]] = {}
    for match in re.finditer(r"^(.+?):(\d+): error: .*\[([\w-]+)\]$", result.stdout, re.MULTILINE):
        errors.setdefault((Path(match.group(1)).name, int(match.group(2))), set()).add(match.group(3))
    expected = _expected()
    assert len(expected) >= 10
    assert errors == {("must_fail.py", line): {code} for line, code in expected.items()}, result.stdout
