"""`atlas_admin_api.types.loads_json`: the JSON decoder seam of every generated `_parse_response` (issue #18).

msgspec (the optional [fast] extra, installed in the dev environment) must give exactly what json.loads gives, and
whatever msgspec refuses must still decode as json.loads decodes it, or fail with the same json.JSONDecodeError.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from atlas_admin_api import types
from atlas_admin_api.api.cloud_backups import list_export_buckets
from atlas_admin_api.client import Client
from atlas_admin_api.models.paginated_export_bucket import PaginatedExportBucket
from atlas_admin_api.types import loads_json
from hypothesis import given, settings
from hypothesis import strategies as st

msgspec = pytest.importorskip("msgspec")


@pytest.fixture
def fresh_decoder_choice() -> Iterator[None]:
    """Let loads_json choose its decoder again (it chooses once per process), and restore the choice after."""
    saved = types._json_decoder
    types._json_decoder = None
    yield
    types._json_decoder = saved


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ensure_ascii=st.booleans())
def test_loads_json_gives_what_json_loads_gives(value: Any, ensure_ascii: bool) -> None:
    body = json.dumps(value, ensure_ascii=ensure_ascii).encode()
    decoded = loads_json(body)
    assert decoded == json.loads(body)
    assert json.dumps(decoded) == json.dumps(json.loads(body))  # same types too (int stays int, -0.0 stays -0.0)


@pytest.mark.parametrize(
    "body",
    [
        b'{"big": 123456789012345678901234567890, "n": -18446744073709551617}',  # beyond 64 bits: kept exact
        b'{"x": NaN, "y": Infinity, "z": -Infinity}',  # not standard JSON; json.loads accepts it
        b'{"f": 1e400}',  # out of float range: json.loads gives inf
        b'{"s": "\\ud800"}',  # a lone surrogate
        '{"name": "caf\u00e9"}'.encode("utf-16"),  # not UTF-8 (with a BOM); json.loads detects the encoding
        '{"name": "caf\u00e9"}'.encode("utf-16-le"),  # not UTF-8, no BOM
        b'{"a": 1, "a": 2}',  # duplicate keys: the last one wins in both
    ],
)
def test_what_msgspec_refuses_decodes_as_json_loads_decodes_it(body: bytes) -> None:
    decoded = loads_json(body)
    expected = json.loads(body)
    assert json.dumps(decoded, allow_nan=True) == json.dumps(expected, allow_nan=True)
    if "x" in expected:
        assert math.isnan(decoded["x"]) and decoded["y"] == math.inf


@pytest.mark.parametrize("body", [b"", b"{", b'{"a": }', b"\xff\xfe{", b'{"a": 1} trailing', b'"\xc3\x28"'])
def test_what_json_loads_rejects_fails_the_same_way(body: bytes) -> None:
    with pytest.raises(ValueError) as expected:  # JSONDecodeError, or UnicodeDecodeError for undecodable bytes
        json.loads(body)
    with pytest.raises(type(expected.value)) as raised:
        loads_json(body)
    assert str(raised.value) == str(expected.value)


def test_msgspec_is_used_when_installed(fresh_decoder_choice: None) -> None:
    assert loads_json(b"[1]") == [1]
    assert types._json_decoder is not json.loads


def test_without_msgspec_json_loads_is_used(fresh_decoder_choice: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msgspec", None)  # import msgspec raises ImportError
    assert loads_json(b'{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert types._json_decoder is json.loads


@pytest.mark.parametrize(
    "body",
    [
        b'{"results": [], "totalCount": 123456789012345678901234567890, "extra": 0.1}',  # msgspec decodes it
        b'{"results": [], "totalCount": 3, "extra": NaN}',  # only json.loads accepts NaN (kept in an unknown field)
    ],
)
def test_generated_parse_response_decodes_through_the_seam(body: bytes) -> None:
    response = httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
    parsed = list_export_buckets._parse_response(client=Client(base_url="http://atlas.invalid"), response=response)
    assert isinstance(parsed, PaginatedExportBucket)
    assert parsed.total_count == json.loads(body)["totalCount"]
    assert json.dumps(parsed.to_dict(), sort_keys=True) == json.dumps(json.loads(body), sort_keys=True)


def test_import_atlas_admin_does_not_load_msgspec() -> None:
    code = "import sys, atlas_admin; print('msgspec' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
