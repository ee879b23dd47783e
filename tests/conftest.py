"""Suite-wide setup: shared test support modules live in tests/support (tests/ is not a package)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "support"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding a ``slow`` test run first. `make pytest` hands whole files to its workers (pytest-xdist,
    ``--dist loadfile``) in this order: the minute-long files (an sdist's own test run, a scratch clone's update,
    Prism) then start while the many quick files fill the other workers, instead of ending the run one by one."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: the order inside each group is kept
