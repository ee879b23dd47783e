"""`import atlas_admin` stays light (issue #18's import figure): what it must not load in a fresh interpreter.

asyncio costs about a tenth of httpx's own import time, and msgspec, the operation modules and the model modules
are loaded on first use; BENCHMARKS.md measures the time, this only pins which modules are loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys


def test_import_atlas_admin_loads_no_asyncio_decoder_operations_or_models() -> None:
    code = "import sys, json, atlas_admin; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "asyncio" not in loaded
    assert "msgspec" not in loaded
    assert not [m for m in loaded if m.startswith(("atlas_admin_api.models", "atlas_admin_api.api."))]
