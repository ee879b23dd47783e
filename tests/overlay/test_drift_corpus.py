"""Every operation's answer, drifted the ways real Atlas answers drift, parsed lenient and strict (issue #13).

The bodies and drift sites come from the spec (tests/support/drift_corpus.py), the parsing from the generated
``_parse_response`` of each operation through the client's policy (`atlas_admin._parsing.parse_success`). The
deterministic corpus takes, for every operation and kind of drift, the shallowest and the deepest place it can
happen; hypothesis then combines drifts at random places, a fixed number of examples per operation, so the run
time grows with the number of operations and no faster.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasResponseError
from atlas_admin._parsing import parse_success, parse_with_deviations
from atlas_admin_api.client import Client
from atlas_admin_api.types import to_json_value
from drift_corpus import DEVIATIONS, KEPT, OperationBody, Site, apply, corpus, documented, operation_bodies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BODIES = operation_bodies()
CORPUS = corpus(BODIES)
EXAMPLES_PER_OPERATION = 10
GENERATED_CLIENT = Client(base_url="https://atlas.test", raise_on_unexpected_status=False)


def _response(entry: OperationBody, body: Any) -> httpx.Response:
    request = httpx.Request(entry.operation.method, "https://atlas.test" + entry.operation.path)
    return httpx.Response(
        entry.status,
        content=json.dumps(body).encode(),
        headers={"Content-Type": entry.operation.media_type or "application/json"},
        request=request,
    )


def _parse(entry: OperationBody, body: Any, *, strict: bool) -> Any:
    return parse_success(
        _response(entry, body),
        entry.parse,
        client=GENERATED_CLIENT,
        operation_id=entry.operation.operation_id,
        strict=strict,
        warned=set(),
    )


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "atlas_admin" and r.levelno == logging.WARNING]


def _holds_an_object(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(_holds_an_object(item) for item in value)


def test_the_corpus_covers_every_operation_and_kind() -> None:
    assert len(BODIES) >= 30, "operations with a JSON success body"
    kinds_by_operation: dict[str, set[str]] = {entry.key: set() for entry in BODIES}
    cases_by_operation: dict[str, int] = {entry.key: 0 for entry in BODIES}
    for entry, site in CORPUS:
        kinds_by_operation[entry.key].add(site.kind)
        cases_by_operation[entry.key] += 1
    for entry in BODIES:
        kinds = kinds_by_operation[entry.key]
        possible = {site.kind for site in entry.sites()}
        if not documented(entry):
            # The rest of the whole API: one case each, of a kind its answer can have, the kinds taken in turn.
            assert cases_by_operation[entry.key] == (1 if possible else 0), entry.key
            assert kinds <= possible, entry.key
            continue
        # Every answer holding an object can gain a field; one whose objects have typed fields can drift in type.
        assert ("unknown_field" in kinds) == _holds_an_object(entry.body), entry.key
        if "type" in kinds:
            assert {"null", "unknown_field"} <= kinds, entry.key
    documented_bodies = [entry for entry in BODIES if documented(entry)]
    assert sum("type" in kinds_by_operation[entry.key] for entry in documented_bodies) >= 0.5 * len(documented_bodies)
    assert {kind for kinds in kinds_by_operation.values() for kind in kinds} == set(DEVIATIONS + KEPT)
    # Across the undocumented operations every kind is exercised too.
    rest = {site.kind for entry, site in CORPUS if not documented(entry)}
    assert rest == set(DEVIATIONS + KEPT) or not any(not documented(entry) for entry in BODIES)


@pytest.mark.parametrize("entry", BODIES, ids=[entry.operation.operation_id for entry in BODIES])
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_the_documented_shape_parses_and_round_trips(
    entry: OperationBody, strict: bool, caplog: pytest.LogCaptureFixture
) -> None:
    result = _parse(entry, entry.body, strict=strict)
    assert to_json_value(result) == entry.body
    assert _warnings(caplog) == []


CORPUS_IDS = [f"{entry.operation.operation_id}-{site.kind}-{site.json_path}" for entry, site in CORPUS]


@pytest.mark.parametrize(("entry", "site"), CORPUS, ids=CORPUS_IDS)
def test_lenient_keeps_the_drifted_answer_and_warns_once(
    entry: OperationBody, site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    drifted = apply(entry.schema, entry.body, site)
    result = _parse(entry, drifted, strict=False)
    assert to_json_value(result) == drifted  # lossless
    warnings = _warnings(caplog)
    if site.kind in KEPT:
        assert warnings == []
        return
    [message] = warnings
    assert entry.operation.operation_id in message
    assert f" at {site.json_path}: expected " in message
    received = {"missing": "missing", "null": "null"}.get(site.kind)
    if received is not None:
        assert f"received {received} " in message


@pytest.mark.parametrize(("entry", "site"), CORPUS, ids=CORPUS_IDS)
def test_strict_raises_with_the_path_of_a_deviation(entry: OperationBody, site: Site) -> None:
    drifted = apply(entry.schema, entry.body, site)
    if site.kind in KEPT:
        assert to_json_value(_parse(entry, drifted, strict=True)) == drifted
        return
    with pytest.raises(AtlasResponseError) as caught:
        _parse(entry, drifted, strict=True)
    assert caught.value.json_path == site.json_path
    assert caught.value.status == entry.status


def _within(path: str, container: str) -> bool:
    return path == container or path.startswith((container + ".", container + "["))


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else "$"


def _near(reported: str, drifted_at: str) -> bool:
    """``reported`` is the drifted place, inside it, or a sibling of it (a field of the same object)."""
    return _within(reported, drifted_at) or _within(drifted_at, _parent(reported))


def _unrelated(sites: list[Site]) -> list[Site]:
    """Drop sites inside (or holding) a site already chosen: each drift must stay where it was put."""
    kept: list[Site] = []
    for site in sites:
        if not any(site.path[: len(k.path)] == k.path or k.path[: len(site.path)] == site.path for k in kept):
            kept.append(site)
    return kept


DRIFTABLE = [entry for entry in BODIES if any(site.kind in DEVIATIONS for site in entry.sites())]


@pytest.mark.parametrize("entry", DRIFTABLE, ids=[entry.operation.operation_id for entry in DRIFTABLE])
def test_random_drifts_never_escape_and_round_trip(entry: OperationBody) -> None:
    """Hypothesis deletes required fields, swaps types and injects nulls, several at once."""
    sites = [site for site in entry.sites() if site.kind in DEVIATIONS]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(st.sampled_from(sites), min_size=1, max_size=3))
    def check(chosen: list[Site]) -> None:
        chosen = _unrelated(chosen)
        drifted = entry.body
        for site in chosen:
            drifted = apply(entry.schema, drifted, site)
        paths = {site.json_path for site in chosen}

        result, deviations = parse_with_deviations(_response(entry, drifted), entry.parse, client=GENERATED_CLIENT)
        assert to_json_value(result) == drifted
        reported = {d.path for d in deviations}
        assert reported, paths
        # Reported where the drift was put. Two exceptions: a drifted discriminator hides the drifts inside its
        # payload (kept whole, untyped); and a plain union (no discriminator) takes the member that fits best,
        # whose deviations are then its own fields next to the drifted one.
        for path in reported:
            assert any(_near(path, drifted_at) for drifted_at in paths), (path, paths)

        with pytest.raises(AtlasResponseError) as caught:
            _parse(entry, drifted, strict=True)
        assert caught.value.json_path in reported

    check()


# Any JSON value (NaN aside: it is not equal to itself, so "unchanged" cannot be checked by ==).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize("entry", DRIFTABLE, ids=[entry.operation.operation_id for entry in DRIFTABLE])
def test_any_json_below_the_top_level_is_kept_lenient(entry: OperationBody) -> None:
    """Whatever JSON arrives in place of a documented field, lenient parsing returns it unchanged."""
    sites = [site for site in entry.sites() if site.kind in ("type", "null")]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.sampled_from(sites), json_values)
    def check(site: Site, value: Any) -> None:
        drifted = apply(entry.schema, entry.body, site)
        holder = drifted
        for step in site.path[:-1]:
            holder = holder[step]
        holder[site.path[-1]] = value
        result, deviations = parse_with_deviations(_response(entry, drifted), entry.parse, client=GENERATED_CLIENT)
        assert to_json_value(result) == drifted
        # Reported where the value was put, or inside it (a list of the documented type with an odd item).
        for deviation in deviations:
            assert deviation.path == site.json_path or deviation.path.startswith(
                (site.json_path + ".", site.json_path + "[")
            ), deviation

    check()
