"""Without the ``testing`` extra, ``import atlas_admin.testing`` says which extra to install."""

from __future__ import annotations

import subprocess
import sys

import pytest
from atlas_admin.testing._requirements import TESTING_EXTRA_MODULES


@pytest.mark.parametrize("absent", TESTING_EXTRA_MODULES)
def test_a_missing_module_of_the_extra_names_the_extra(absent: str) -> None:
    # sys.modules[name] = None is how Python spells "this module cannot be imported".
    program = (
        f"import sys; sys.modules[{absent!r}] = None\n"
        "try:\n"
        "    import atlas_admin.testing\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, exc.name, exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"ImportError {absent} atlas_admin.testing needs the 'testing' extra: "
        f"pip install 'atlas-admin[testing]' (missing: {absent})"
    )


def test_the_core_package_imports_without_the_extra() -> None:
    blocked = "; ".join(f"sys.modules[{m!r}] = None" for m in TESTING_EXTRA_MODULES)
    program = f"import sys; {blocked}\nimport atlas_admin, atlas_admin.models\nprint(atlas_admin.AtlasClient.__name__)"
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stdout.strip() == "AtlasClient", result.stderr
