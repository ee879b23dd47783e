"""Contract: every operation of the spec, called through the SDK, is accepted by Prism; its answer parses.

Prism (``@stoplight/prism-cli``, pinned in tools/package.json, installed by ``make tools``) mocks
openapi/atlas-admin-v2.yaml with request validation (``--errors``): a request that does not match the spec
(path, query, headers, versioned media types, body schema, security) is answered 4xx with a
problem+json body instead of the documented example. So for each operation this checks that what the SDK
sends is what the spec describes, and that the SDK parses what the spec says comes back. Requests use the
documented example where there is one and values synthesized from the schema otherwise
(tests/support/spec_samples.py).

Fast with 500+ operations: one Prism process for the session, and all calls made concurrently once (a bounded
number in flight); each operation's test then checks its own outcome.

Security: the spec's schemes are OAuth 2.0 (service accounts) and HTTP Digest; Prism checks an oauth2
scheme by looking for an ``Authorization: Bearer ...`` header, which is what ``access_token=`` sends.

Skipped with a message when the Prism binary is absent (run ``make tools``), but failing under ``CI=true``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from atlas_admin import AtlasApiError, AtlasClient, AtlasDeprecationWarning

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "overlay"))
from spec_samples import OperationCase, operation_cases  # noqa: E402

PRISM = REPO / ".tools" / "node" / "node_modules" / ".bin" / "prism"
SPEC = REPO / "openapi" / "atlas-admin-v2.yaml"
STARTUP_TIMEOUT = 180.0  # Prism reads the whole 3 MB spec before it listens
IN_FLIGHT = 16
CASES = operation_cases()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.access(PRISM, os.X_OK):
        message = f"Prism is not installed at {PRISM.relative_to(REPO)}: run `make tools`"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PRISM), "mock", "--errors", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _listening(port):
            if process.poll() is not None:
                pytest.fail(f"Prism exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"Prism did not listen on {port} within {STARTUP_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_all_operations_are_covered() -> None:
    assert len(CASES) >= 500
    assert len({case.operation.operation_id for case in CASES}) == len(CASES)


EXAMPLE_INVALID = "Prism's answer (the spec's own example) does not match the spec; the request was accepted"


def _only_the_answer_is_invalid(status: int, violations: Any) -> bool:
    """Prism's 500 under --errors when the response it mocked violates the spec, and nothing about the request."""
    return (
        status == 500
        and isinstance(violations, list)
        and bool(violations)
        and all(isinstance(v, dict) and (v.get("location") or [""])[0] == "response" for v in violations)
    )


async def _call(prism_url: str, case: OperationCase) -> str | None:
    """Call one operation against Prism; None when Prism accepted it and the SDK parsed the answer, else why not."""
    seen: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        seen.append(response)

    http = httpx.AsyncClient(event_hooks={"response": [keep]}, timeout=60)
    async with (
        http,
        AtlasClient(access_token="x", base_url=prism_url, http_client=http, max_retries=0, strict=True) as atlas,
    ):
        method = getattr(getattr(atlas, case.tag), case.key)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AtlasDeprecationWarning)
            try:
                result = await method(**case.call_kwargs())
            except AtlasApiError as exc:
                body = exc.response.text if exc.response is not None else ""
                violations: Any = body
                with contextlib.suppress(ValueError, AttributeError):
                    violations = json.loads(body).get("validation", body)
                if _only_the_answer_is_invalid(exc.status, violations):
                    # Prism accepted the request; the answer it built from the spec's own example breaks the schema
                    # (the official document has such examples). Nothing to parse; the doc pages' never do this.
                    return EXAMPLE_INVALID
                return f"Prism refused {exc.method} {exc.url}: {exc.status}\n{json.dumps(violations, indent=1)}"
            except Exception as exc:  # the SDK failed on Prism's answer
                return f"{type(exc).__name__}: {exc}"
    (response,) = seen
    if response.status_code != case.status:
        return f"answered {response.status_code}, documented {case.status}: {response.text[:500]}"
    if "json" not in (case.operation.media_type or "json"):
        ok = isinstance(result, bytes) or hasattr(result, "payload")  # bytes, or the generator's File for binary
        return None if ok else f"expected the downloaded bytes, parsed {result!r:.200}"
    if case.response_example is None or not response.content:
        return None if result is None else f"expected no body, parsed {result!r:.200}"
    if not isinstance(case.response_example, (dict, list)):
        return None if not hasattr(result, "to_dict") else f"expected a plain JSON value, parsed {result!r:.200}"
    if isinstance(case.response_example, list):
        ok = isinstance(result, list) and all(
            hasattr(item, "to_dict") or not hasattr(item, "__dict__") for item in result
        )
        return None if ok else f"expected a list, parsed {result!r:.200}"
    return None if hasattr(result, "to_dict") else f"expected a model, parsed {result!r:.200}"


@pytest.fixture(scope="session")
def outcomes(prism_url: str) -> dict[str, str | None]:
    """Every operation called once against the one Prism, concurrently: operation key -> failure (None if fine)."""

    async def run_all() -> dict[str, str | None]:
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(case: OperationCase) -> tuple[str, str | None]:
            async with gate:
                return case.key, await _call(prism_url, case)

        return dict(await asyncio.gather(*(one(case) for case in CASES)))

    return asyncio.run(run_all())


# Operations that do not pass against Prism today, each for a stated reason (strict: one that starts passing fails
# the run until it is taken off this list).
PRISM_NEGOTIATION = (
    "Prism answers with the first documented success status (200, only 2023-01-01) and refuses the Accept of the "
    "version the SDK sends (2024-05-30, documented for 201)"
)
SYNTHESIZED_BODY = (
    "no documented request example: the body synthesized from the schema (tests/support/spec_samples.py) is refused "
    "(Prism answers the documented 400 example, without the validation details); the test data is unproven, not the SDK"
)
KNOWN_FAILURES = {
    "createClusterSearchDeployment": PRISM_NEGOTIATION,
    "deleteClusterSearchDeployment": PRISM_NEGOTIATION,
    "createAlertConfig": SYNTHESIZED_BODY,
    "updateAlertConfig": SYNTHESIZED_BODY,
    "createIdentityProvider": SYNTHESIZED_BODY,
    "updateIdentityProvider": SYNTHESIZED_BODY,
}


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            c,
            marks=[pytest.mark.xfail(reason=KNOWN_FAILURES[c.operation.operation_id], strict=True)]
            if c.operation.operation_id in KNOWN_FAILURES
            else [],
        )
        for c in CASES
    ],
    ids=[c.operation.operation_id for c in CASES],
)
def test_prism_accepts_the_request_and_the_sdk_parses_the_answer(
    outcomes: dict[str, str | None], case: OperationCase
) -> None:
    failure = outcomes[case.key]
    if failure == EXAMPLE_INVALID and not case.documented:
        return  # the request was accepted; MongoDB's example is at fault (listed by the test below)
    if failure is not None:
        pytest.fail(failure)


def test_most_answers_are_parsed(outcomes: dict[str, str | None]) -> None:
    """The answers Prism could not build validly (the official document's invalid examples) stay a minority."""
    invalid = sorted(key for key, failure in outcomes.items() if failure == EXAMPLE_INVALID)
    assert len(invalid) < len(outcomes) // 3, invalid


GROUP = "32b6e34b3d91647abb20e7b8"
ROLES = f"/api/atlas/v2/groups/{GROUP}/customDBRoles/roles"
MEDIA = "application/vnd.atlas.2023-01-01+json"


@pytest.mark.parametrize(
    ("method", "headers", "body", "statuses"),
    [
        ("GET", {"Accept": MEDIA}, None, {401}),  # no credentials
        ("POST", {"Accept": MEDIA, "Authorization": "Bearer x"}, {"roleName": 5}, {400, 422}),  # invalid body
        ("GET", {"Accept": "application/json", "Authorization": "Bearer x"}, None, {406}),  # unversioned Accept
    ],
    ids=["no-auth", "bad-body", "bad-accept"],
)
async def test_prism_really_validates(
    prism_url: str, method: str, headers: dict[str, str], body: Any, statuses: set[int]
) -> None:
    """Negative controls: the requests above must be refused, or the contract test proves nothing."""
    async with httpx.AsyncClient(base_url=prism_url, timeout=20) as http:
        if body is not None:
            headers = {**headers, "Content-Type": MEDIA}
        response = await http.request(method, ROLES, headers=headers, content=json.dumps(body) if body else None)
    assert response.status_code in statuses, (response.status_code, response.text)
