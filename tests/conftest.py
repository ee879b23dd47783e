"""Suite-wide setup: shared test support modules live in tests/support (tests/ is not a package)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "support"))
