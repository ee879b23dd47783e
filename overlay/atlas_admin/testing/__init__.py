"""FakeAtlas: an in-memory Atlas Admin API v2 for tests, served from the OpenAPI spec (like moto for AWS).

    from atlas_admin.testing import FakeAtlas, Fault

    fake = FakeAtlas()
    fake.inject("listExportBuckets", Fault(status=503, retry_after="1"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
        ...
    async with fake.serve() as base_url:  # real loopback HTTP
        ...

State lives in ``fake.store`` (collections by concrete path); seed it with
``fake.seed("listExportBuckets", [{...}], groupId=...)``. Assert on ``fake.requests`` (a list of
`RequestLogEntry`, secrets masked) and ``fake.stats``. From a shell: ``python -m atlas_admin.testing --port 8080``.

Needs the ``testing`` extra: ``pip install 'atlas-admin[testing]'``.
"""

from . import _requirements  # noqa: F401  (first: a missing extra is named, see _requirements.py)
from ._app import FakeAtlas
from ._faults import Fault
from ._log import RequestLogEntry

__all__ = ["FakeAtlas", "Fault", "RequestLogEntry"]
