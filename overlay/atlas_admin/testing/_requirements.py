"""Imported first by ``atlas_admin.testing``: without the ``testing`` extra, one ImportError that names it.

Otherwise the first missing module would surface deep inside FakeAtlas as a bare ``No module named ...``.
"""

import importlib.util

# Every third-party module atlas_admin.testing imports; each is declared in pyproject's `testing` extra.
TESTING_EXTRA_MODULES = ("starlette", "uvicorn", "openapi_schema_validator", "jsonschema", "referencing")

_missing = [name for name in TESTING_EXTRA_MODULES if importlib.util.find_spec(name) is None]
if _missing:
    raise ImportError(
        f"atlas_admin.testing needs the 'testing' extra: pip install 'atlas-admin[testing]' "
        f"(missing: {', '.join(_missing)})",
        name=_missing[0],
    )
