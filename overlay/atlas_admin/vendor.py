"""Copy atlas-admin into another project's source tree, so it imports there without being installed.

Usage::

    python -m atlas_admin.vendor path/to/yourapp/_vendor      # or: make vendor DEST=path/to/yourapp/_vendor

then ``from yourapp._vendor.atlas_admin import AtlasClient``. The two packages (``atlas_admin`` and the
generated ``atlas_admin_api``) land side by side in DEST; the overlay's absolute imports of the generated
package are rewritten to relative ones, so nothing depends on a top-level ``atlas_admin_api`` any more.
Runtime needs stay httpx and attrs (plus starlette, uvicorn and openapi-schema-validator for
``atlas_admin.testing``).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import atlas_admin_api

import atlas_admin

GENERATED = "atlas_admin_api"
_IMPORT_FROM = re.compile(rf"^(\s*)from {GENERATED}((?:\.[\w.]+)?) import ", re.MULTILINE)
_IMPORT_PLAIN = re.compile(rf"^(\s*)import {GENERATED}\s*$", re.MULTILINE)
# vendor.py itself is a tool for the source tree, not part of what a vendored app imports.
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "vendor.py")


def _relative(source: str, depth: int) -> str:
    """Rewrite absolute imports of the generated package for a module ``depth`` packages deep."""
    dots = "." * (depth + 1)
    source = _IMPORT_FROM.sub(lambda m: f"{m.group(1)}from {dots}{GENERATED}{m.group(2)} import ", source)
    return _IMPORT_PLAIN.sub(lambda m: f"{m.group(1)}from {dots} import {GENERATED}", source)


def vendor(dest: str | Path) -> list[Path]:
    """Copy both packages into ``dest`` (created as a package if needed) and return the package paths.

    Usage::

        vendor("myapp/_vendor")
    """
    target = Path(dest)
    target.mkdir(parents=True, exist_ok=True)
    (target / "__init__.py").touch(exist_ok=True)
    copied = []
    for package in (atlas_admin_api, atlas_admin):
        source = Path(package.__file__ or "").parent
        destination = target / source.name
        if destination.exists():
            shutil.rmtree(destination)
        shutil.copytree(source, destination, ignore=_IGNORE)
        copied.append(destination)
    overlay = target / "atlas_admin"
    for module in sorted(overlay.rglob("*.py")):
        depth = len(module.relative_to(overlay).parts)  # atlas_admin/x.py → 1, atlas_admin/testing/x.py → 2
        text = module.read_text(encoding="utf-8")
        rewritten = _relative(text, depth)
        if rewritten != text:
            module.write_text(rewritten, encoding="utf-8")
    return copied


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m atlas_admin.vendor DEST", file=sys.stderr)
        return 2
    for path in vendor(args[0]):
        print(f"vendored {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
