"""``make docs``: pdoc's API reference, failing on any warning pdoc gives.

    python tools/build_docs.py OUTPUT_DIR MODULE...

httpx annotates ``DigestAuth._ALGORITHM_TO_HASH_FUNCTION`` (which our ``DigestAuth`` inherits) with ``_Hash``, a name
it imports from ``hashlib`` only for type checkers (``hashlib._Hash`` exists only in the stubs). pdoc evaluates the
annotation in the namespace of the class's ``__module__`` (``httpx``), finds no ``_Hash`` and warns. At run time
those hash objects are of the type ``hashlib.sha256()`` returns: the build gives that type the stubs' name there.
"""

from __future__ import annotations

import hashlib
import sys
import warnings
from pathlib import Path

import httpx
import pdoc


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: build_docs.py OUTPUT_DIR MODULE...", file=sys.stderr)
        return 2
    httpx_namespace = sys.modules[httpx.DigestAuth.__module__]
    if not hasattr(httpx_namespace, "_Hash"):
        httpx_namespace._Hash = type(hashlib.sha256())  # type: ignore[attr-defined]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pdoc.pdoc(*argv[1:], output_directory=Path(argv[0]))
    for warning in caught:
        print(f"docs warning: {warning.message} ({warning.filename}:{warning.lineno})", file=sys.stderr)
    return 1 if caught else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
