"""Fuzzed success bodies for every operation: the caller gets a result or an AtlasResponseError, nothing else.

Two kinds of body per operation: the documented example with parts mutated (fields dropped, values of
the wrong type, huge numbers, odd strings) and arbitrary JSON values. Whatever the generated parser
trips over (KeyError, IndexError, OverflowError, RecursionError, ...) must reach the caller as the
SDK's own error, with the response attached.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasClient, AtlasDeprecationWarning, AtlasResponseError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_samples import OperationCase, operation_cases

CASES = [
    case for case in operation_cases() if case.operation.media_type is not None and "json" in case.operation.media_type
]
# Hypothesis examples per operation: the whole API has 500+ operations, so the documented ones (the pages' 43,
# whose parsers users have relied on longest) get the full budget and the rest a few each; `make test` stays fast.
EXAMPLES_PER_DOCUMENTED_OPERATION = 25
EXAMPLES_PER_OTHER_OPERATION = 3

# Scalars a JSON parser hands back, including the ones Python's json accepts beyond the standard.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**63, -(2**63) - 1]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "2024-13-45T25:61:00Z", "0000-00-00", "NaN", "\x00", "\ud800", "9" * 400]),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated(draw: st.DrawFn, example: Any) -> Any:
    """``example`` with some nodes kept, some replaced by arbitrary JSON, some keys dropped or list items cut."""
    action = draw(st.sampled_from(["keep", "keep", "keep", "replace"]))
    if action == "replace":
        return draw(json_values)
    if isinstance(example, dict):
        result = {}
        for key, value in example.items():
            if draw(st.integers(0, 5)) == 0:
                continue  # drop the field
            result[key] = draw(mutated(value))
        return result
    if isinstance(example, list):
        items = [draw(mutated(item)) for item in example]
        return items[: draw(st.integers(0, len(items)))] if items and draw(st.booleans()) else items
    return example


def run_with_body(case: OperationCase, body: bytes) -> None:
    """Call the operation against a transport answering ``body``; fail on any exception but AtlasResponseError."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(case.status, content=body, headers={"Content-Type": case.operation.media_type or ""})

    async def call() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
            atlas = AtlasClient(access_token="token", base_url="https://atlas.test", http_client=http, max_retries=0)
            method = getattr(getattr(atlas, case.tag), case.key)
            try:
                await method(**case.call_kwargs())
            except AtlasResponseError as exc:
                assert exc.status == case.status

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AtlasDeprecationWarning)
        asyncio.run(call())


def encode(value: Any) -> bytes:
    # allow_nan: a misbehaving server may send NaN/Infinity, which Python's json reads back as floats.
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


def fuzz_settings(case: OperationCase) -> settings:
    return settings(
        max_examples=EXAMPLES_PER_DOCUMENTED_OPERATION if case.documented else EXAMPLES_PER_OTHER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


@pytest.mark.parametrize("case", CASES, ids=[case.operation.operation_id for case in CASES])
def test_mutated_documented_example_gives_model_or_response_error(case: OperationCase) -> None:
    @fuzz_settings(case)
    @given(st.data())
    def check(data: st.DataObject) -> None:
        run_with_body(case, encode(data.draw(mutated(case.response_example))))

    check()


@pytest.mark.parametrize("case", CASES, ids=[case.operation.operation_id for case in CASES])
def test_arbitrary_json_gives_model_or_response_error(case: OperationCase) -> None:
    @fuzz_settings(case)
    @given(json_values)
    def check(value: Any) -> None:
        run_with_body(case, encode(value))

    check()


PATHOLOGICAL = [
    pytest.param(b"[" * 100_000 + b"]" * 100_000, id="deeply-nested-list"),
    pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000, id="deeply-nested-object"),
    pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
    pytest.param(b'{"results": [1e999999]}', id="float-overflow-literal"),
    pytest.param(b"9" * 5000, id="int-beyond-str-digits-limit"),
    pytest.param(b"", id="empty"),
]
# Every pathological body for the documented operations; one each, in turn, for the others (500+ of them).
PATHOLOGICAL_CASES = [
    pytest.param(case, body, id=f"{case.operation.operation_id}-{body.id}")
    for index, case in enumerate(CASES)
    for body in (PATHOLOGICAL if case.documented else [PATHOLOGICAL[index % len(PATHOLOGICAL)]])
]


@pytest.mark.parametrize(
    ("case", "body"), [pytest.param(p.values[0], p.values[1].values[0], id=p.id) for p in PATHOLOGICAL_CASES]
)
def test_pathological_body_gives_model_or_response_error(case: OperationCase, body: bytes) -> None:
    run_with_body(case, body)
