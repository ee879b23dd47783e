"""`make bench`: how much the SDK costs over plain httpx, against FakeAtlas on loopback (issue #9).

Every figure is a ratio against a baseline measured in the same run, because absolute times on a
shared 2-core machine are noise. FakeAtlas runs in a separate process (``bench/fake_server.py``) so
that the client's own CPU time is what differs between the ways of calling.

    .venv/bin/python bench/run.py              # the full run (a few minutes); writes bench/results.json
    .venv/bin/python bench/run.py --smoke      # a tiny run that only checks the harness works
    .venv/bin/python bench/run.py --only parse,import
    .venv/bin/python bench/run.py --profile 30 --list-calls 300   # where the time goes (cProfile)

Figures:

1. call overhead - N calls at concurrency C through the SDK (`AtlasClient`, static bearer token
   issued by the fake), raw `httpx.AsyncClient` (same method, URL, query and headers, then ``.json()``)
   and the generated ``asyncio_detailed`` with an `AuthenticatedClient`; rounds alternate the order
   and the median wall time of each way counts. Single object (`get_custom_database_role`) and a
   500-item page (`list_export_buckets`).
2. parse - items per second through the generated ``from_dict`` against pydantic v2 models generated
   from the same spec by datamodel-code-generator (``model_validate``), on a 500-item
   `PaginatedFlexClusterDescription` built from the documented example.
   Also lenient against strict parsing through the client's parse step on the same page (issue #13), and
   the cost of a page with one drifted field per item (information only).
3. auth - token requests for 1,000 concurrent first calls (service account) and HTTP exchanges per
   call over 1,000 calls with digest auth (401 challenges included), counted at the fake.
4. import - ``python -X importtime -c "import atlas_admin"`` against the same for httpx.
5. memory - client RSS growth over 50,000 calls after a 5,000-call warm-up, in a separate process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import datetime
import gc
import importlib
import importlib.util
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
SPEC = ROOT / "openapi" / "atlas-admin-v2.yaml"
RESULTS = BENCH / "results.json"
FAKE_SERVER = BENCH / "fake_server.py"
sys.path.insert(0, str(BENCH))

from fake_server import GROUP_ID, ROLE_NAME  # noqa: E402

PAGE_SIZE = 500
RSS_PAGES_HELD = 4  # the peak-RSS figure parses the page this many times and keeps every result
FIGURES = ("calls", "parse", "auth", "import", "first_call", "peak_rss", "memory", "wheel")

# Issue #18's targets.
CALL_CPU_TARGETS = {"get": 1.05, "list": 1.35}  # SDK / raw httpx + json.loads, client CPU
PARSE_TARGET = 1.5  # from_dict / pydantic model_validate, items per second
PARSE_BYTES_TARGET = 1.0  # bytes -> models: SDK / pydantic model_validate_json
IMPORT_TARGET = 1.3  # import atlas_admin / import httpx
FIRST_CALL_TARGET_MS = 20.0  # first call into a tag not used before, after import
PEAK_RSS_TARGET = 2.0  # peak RSS growth parsing a page / the same for json.loads alone


# --- settings -------------------------------------------------------------------------------------
class Settings:
    def __init__(self, args: argparse.Namespace) -> None:
        smoke = args.smoke
        self.smoke = smoke
        self.calls = args.calls or (50 if smoke else 5_000)
        self.list_calls = args.list_calls or (10 if smoke else 1_000)
        self.concurrency = args.concurrency
        self.rounds = args.rounds or (1 if smoke else 3)
        self.parse_pages = args.parse_pages or (1 if smoke else 4)
        self.parse_rounds = 3 if smoke else 25
        self.auth_calls = 50 if smoke else 1_000
        self.import_runs = 1 if smoke else 9
        self.first_call_runs = 1 if smoke else 7
        self.rss_runs = 1 if smoke else 5
        self.memory_warmup = 50 if smoke else 5_000
        self.memory_calls = args.memory_calls or (200 if smoke else 50_000)
        self.only = set(args.only.split(",")) if args.only else set(FIGURES)
        unknown = self.only - set(FIGURES)
        if unknown:
            raise SystemExit(f"--only: unknown figures {sorted(unknown)}; choose from {', '.join(FIGURES)}")

    def as_dict(self) -> dict[str, Any]:
        return {k: sorted(v) if isinstance(v, set) else v for k, v in vars(self).items()}


# --- the fake in its own process ----------------------------------------------------------------------
@contextlib.contextmanager
def fake_process() -> Iterator[str]:
    """Start ``bench/fake_server.py``, wait until it serves, yield its base URL, stop it."""
    # The fake's stderr goes to a file: a pipe nobody reads could fill up and stall the server mid-run.
    with tempfile.TemporaryFile(mode="w+", prefix="atlas-bench-fake-") as errors:
        proc = subprocess.Popen(
            [sys.executable, str(FAKE_SERVER), "--port", "0"], stdout=subprocess.PIPE, stderr=errors, text=True
        )
        try:
            assert proc.stdout is not None
            base_url = None
            for line in proc.stdout:  # ends when the process exits before printing its URL
                if line.startswith("BENCH_FAKE_URL="):
                    base_url = line.strip().split("=", 1)[1]
                    break
            if base_url is None:
                proc.wait(timeout=10)
                errors.seek(0)
                raise RuntimeError(f"the bench fake did not start:\n{errors.read()[-4000:]}")
            # Readiness: one real request over the socket.
            httpx.get(base_url + "/__bench/stats", timeout=10).raise_for_status()
            yield base_url
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
            if proc.stdout is not None:
                proc.stdout.close()


def fake_stats(base_url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(base_url + "/__bench/stats", timeout=10).json()
    return stats


def fake_token(base_url: str) -> str:
    token: str = httpx.get(base_url + "/__bench/token", timeout=10).json()["access_token"]
    return token


# --- driving calls ----------------------------------------------------------------------------------
async def drive(call: Callable[[], Awaitable[Any]], calls: int, concurrency: int) -> None:
    """Make ``calls`` calls with at most ``concurrency`` in flight."""
    remaining = calls

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    await asyncio.gather(*(worker() for _ in range(min(concurrency, calls))))


class Way:
    """One way of making a call: set up a client, make calls, close it."""

    name = ""

    def __init__(self, base_url: str, token: str, operation: str) -> None:
        self.base_url = base_url
        self.token = token
        self.operation = operation

    async def __aenter__(self) -> Callable[[], Awaitable[Any]]:
        raise NotImplementedError

    async def __aexit__(self, *exc: object) -> None:
        raise NotImplementedError


def _generated_module(operation: str) -> Any:
    if operation == "get":
        return importlib.import_module("atlas_admin_api.api.custom_database_roles.get_custom_database_role")
    return importlib.import_module("atlas_admin_api.api.cloud_backups.list_export_buckets")


def _generated_args(operation: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if operation == "get":
        return (GROUP_ID, ROLE_NAME), {}
    return (GROUP_ID,), {"items_per_page": PAGE_SIZE}


class SdkWay(Way):
    name = "sdk"

    async def __aenter__(self) -> Callable[[], Awaitable[Any]]:
        from atlas_admin import AtlasClient

        self.client = AtlasClient(access_token=self.token, base_url=self.base_url)
        atlas = self.client
        if self.operation == "get":

            async def call() -> Any:
                return await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, ROLE_NAME)

        else:

            async def call() -> Any:
                return await atlas.cloud_backups.list_export_buckets(GROUP_ID, items_per_page=PAGE_SIZE)

        return call

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()


class RawWay(Way):
    name = "raw"

    async def __aenter__(self) -> Callable[[], Awaitable[Any]]:
        from atlas_admin._client import _user_agent

        args, kwargs = _generated_args(self.operation)
        built = _generated_module(self.operation)._get_kwargs(*args, **kwargs)
        url = self.base_url + built["url"]
        params = built["params"]
        # The same headers the SDK sends: versioned Accept, bearer token, User-Agent.
        headers = {**built["headers"], "Authorization": f"Bearer {self.token}", "User-Agent": _user_agent(None)}
        self.client = http = httpx.AsyncClient()
        method = built["method"].upper()

        async def call() -> Any:
            response = await http.request(method, url, params=params, headers=headers)
            response.raise_for_status()
            return response.json()

        return call

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()


class GeneratedWay(Way):
    """The generated operation module without the overlay: its ``_get_kwargs`` and ``_parse_response`` around the
    generated client's own httpx client (what the generator's ``asyncio_detailed`` did, which issue #15 drops)."""

    name = "generated"

    async def __aenter__(self) -> Callable[[], Awaitable[Any]]:
        from atlas_admin_api.client import AuthenticatedClient

        self.client = AuthenticatedClient(base_url=self.base_url, token=self.token)
        client = self.client
        http = client.get_async_httpx_client()
        module = _generated_module(self.operation)
        args, kwargs = _generated_args(self.operation)

        async def call() -> Any:
            built = module._get_kwargs(*args, **kwargs)
            response = await http.request(**built)
            if response.status_code != 200:
                raise RuntimeError(f"generated call answered {response.status_code}")
            return module._parse_response(client=client, response=response)

        return call

    async def __aexit__(self, *exc: object) -> None:
        await self.client.get_async_httpx_client().aclose()


WAYS: tuple[type[Way], ...] = (SdkWay, RawWay, GeneratedWay)


async def time_way(way: Way, calls: int, concurrency: int) -> dict[str, float]:
    async with way as call:
        await drive(call, min(calls, 2 * concurrency), concurrency)  # warm-up: open the connections
        gc.collect()
        wall0, cpu0 = time.perf_counter(), time.process_time()
        await drive(call, calls, concurrency)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall_s": wall, "cpu_s": cpu}


async def bench_calls(base_url: str, settings: Settings) -> list[dict[str, Any]]:
    token = fake_token(base_url)
    figures = []
    for operation, calls, label in (
        ("get", settings.calls, "single object (get_custom_database_role)"),
        ("list", settings.list_calls, f"{PAGE_SIZE}-item page (list_export_buckets)"),
    ):
        samples: dict[str, list[dict[str, float]]] = {w.name: [] for w in WAYS}
        for round_no in range(settings.rounds):
            order = WAYS[round_no % len(WAYS) :] + WAYS[: round_no % len(WAYS)]
            for way_cls in order:
                samples[way_cls.name].append(
                    await time_way(way_cls(base_url, token, operation), calls, settings.concurrency)
                )
        med = {
            name: {key: statistics.median(s[key] for s in runs) for key in ("wall_s", "cpu_s")}
            for name, runs in samples.items()
        }
        details = {
            "calls": calls,
            "concurrency": settings.concurrency,
            "rounds": settings.rounds,
            "credentials": "static access_token issued by the fake (BearerAuth)",
            "median": {
                name: {**m, "calls_per_s": calls / m["wall_s"], "cpu_us_per_call": 1e6 * m["cpu_s"] / calls}
                for name, m in med.items()
            },
            "samples": samples,
        }
        # Issue #18's targets are on client CPU (the client process is the bottleneck, so wall agrees).
        target = CALL_CPU_TARGETS[operation]
        # Each round measures the ways back to back, so the per-round ratio is the interleaved estimate; the spread
        # of those ratios shows how much the shared machine moved during the run.
        round_cpu_ratios = {
            other: [s["cpu_s"] / r["cpu_s"] for s, r in zip(samples[other], samples["raw"], strict=True)]
            for other in ("sdk", "generated")
        }
        details["cpu_ratio_per_round"] = round_cpu_ratios
        for other in ("sdk", "generated"):
            ratio = med[other]["wall_s"] / med["raw"]["wall_s"]
            cpu_ratio = med[other]["cpu_s"] / med["raw"]["cpu_s"]
            has_target = other == "sdk"
            figures.append(
                {
                    "id": f"calls.{operation}.{other}_vs_raw",
                    "figure": f"call overhead, {label}: {other} / raw httpx (wall)",
                    "sdk": f"{med[other]['wall_s']:.2f} s ({calls / med[other]['wall_s']:.0f}/s)",
                    "baseline": f"{med['raw']['wall_s']:.2f} s ({calls / med['raw']['wall_s']:.0f}/s)",
                    "ratio": ratio,
                    "target": None,
                    "pass": None,
                    "details": details,
                }
            )
            figures.append(
                {
                    "id": f"calls.{operation}.{other}_vs_raw_cpu",
                    "figure": f"call overhead, {label}: {other} / raw httpx + json.loads (client CPU)",
                    "sdk": f"{1e6 * med[other]['cpu_s'] / calls:.0f} us/call",
                    "baseline": f"{1e6 * med['raw']['cpu_s'] / calls:.0f} us/call",
                    "ratio": cpu_ratio,
                    "target": f"<= {target}" if has_target else None,
                    "pass": cpu_ratio <= target if has_target else None,
                    "details": {
                        "see": f"calls.{operation}.{other}_vs_raw",
                        "ratio_per_round": round_cpu_ratios[other],
                    },
                }
            )
    return figures


# --- parse speed ------------------------------------------------------------------------------------
def flex_cluster_page() -> dict[str, Any]:
    """A 500-item `PaginatedFlexClusterDescription`: the documented example of listFlexClusters, replicated."""
    spec = json.loads((ROOT / "generated" / "atlas_admin_api" / "openapi.json").read_text(encoding="utf-8"))
    operation = spec["paths"]["/api/atlas/v2/groups/{groupId}/flexClusters"]["get"]
    content = next(iter(operation["responses"]["200"]["content"].values()))
    example = content.get("example") or next(iter(content["examples"].values()))["value"]
    item = example["results"][0]
    results = []
    for i in range(PAGE_SIZE):
        one = copy.deepcopy(item)
        one["id"] = f"{i:024x}"
        one["name"] = f"flex-{i}"
        results.append(one)
    return {**example, "results": results, "totalCount": PAGE_SIZE}


def pydantic_models(workdir: Path) -> Any:
    """Pydantic v2 models generated from the spec by datamodel-code-generator, imported from ``workdir``."""
    output = workdir / "atlas_pydantic_models.py"
    codegen = Path(sys.executable).with_name("datamodel-codegen")
    subprocess.run(
        [
            str(codegen),
            "--input",
            str(SPEC),
            "--input-file-type",
            "openapi",
            "--output-model-type",
            "pydantic_v2.BaseModel",
            "--output",
            str(output),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    sys.path.insert(0, str(workdir))
    try:
        return importlib.import_module("atlas_pydantic_models")
    finally:
        sys.path.remove(str(workdir))


def bench_parse(settings: Settings) -> list[dict[str, Any]]:
    """Dicts -> models (from_dict / model_validate) and bytes -> models (SDK / model_validate_json), interleaved."""
    from atlas_admin_api.models.paginated_flex_cluster_description import PaginatedFlexClusterDescription
    from atlas_admin_api.types import loads_json

    page = flex_cluster_page()
    body = json.dumps(page).encode()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-pydantic-") as tmp:
        models = pydantic_models(Path(tmp))
    pydantic_page = models.PaginatedFlexClusterDescription
    from_dict = PaginatedFlexClusterDescription.from_dict

    # Both must accept the page and see the same thing, or the comparison means nothing.
    generated = from_dict(page)
    validated = pydantic_page.model_validate(page)
    from_bytes = from_dict(loads_json(body))
    validated_json = pydantic_page.model_validate_json(body)
    assert not isinstance(generated.results, type(None)) and len(generated.results) == PAGE_SIZE
    assert validated.results is not None and len(validated.results) == PAGE_SIZE
    assert generated.results[7].create_date == validated.results[7].createDate
    assert from_bytes.to_dict() == generated.to_dict()
    assert validated_json == validated
    decoder = _json_decoder_name()

    # The SDK turns a body into models as its generated _parse_response does: types.loads_json (msgspec when the
    # [fast] extra is installed), then from_dict. The "json fallback" way is the same without msgspec.
    ways: dict[str, Callable[[], Any]] = {
        "from_dict": lambda: from_dict(page),
        "pydantic": lambda: pydantic_page.model_validate(page),
        "sdk_bytes": lambda: from_dict(loads_json(body)),
        "sdk_bytes_json": lambda: from_dict(json.loads(body)),
        "pydantic_json": lambda: pydantic_page.model_validate_json(body),
        "loads_json": lambda: loads_json(body),
        "json.loads": lambda: json.loads(body),
    }

    def timed(parse: Callable[[], Any]) -> float:
        gc.collect()
        # CPU time of this process: on a shared machine a sample that loses the CPU to another process for a while
        # would otherwise count the wait.
        start = time.process_time()
        for _ in range(settings.parse_pages):
            parse()
        return time.process_time() - start

    samples: dict[str, list[float]] = {name: [] for name in ways}
    for round_no in range(settings.parse_rounds):
        names = list(ways) if round_no % 2 == 0 else list(reversed(ways))
        for name in names:
            samples[name].append(timed(ways[name]))
    items = PAGE_SIZE * settings.parse_pages
    # Short samples, interleaved, and the fastest of each: on a shared machine the minimum is the least noisy
    # estimate of what parsing itself costs (the median is kept in the details).
    rate = {name: items / min(s) for name, s in samples.items()}
    median_rate = {name: items / statistics.median(s) for name, s in samples.items()}
    common = {
        "pages_per_sample": settings.parse_pages,
        "rounds": settings.parse_rounds,
        "body_bytes": len(body),
        "json_decoder": decoder,
        "items_per_s_best": rate,
        "items_per_s_median": median_rate,
    }

    def figure(
        fid: str, text: str, ours: str, theirs: str, target: float | None, unit: str = "items/s"
    ) -> dict[str, Any]:
        ratio = rate[ours] / rate[theirs]

        def shown(name: str) -> str:
            if unit == "us/page":
                return f"{1e6 * PAGE_SIZE / rate[name]:,.0f} us/page"
            return f"{rate[name]:,.0f} items/s"

        return {
            "id": fid,
            "figure": text,
            "sdk": shown(ours),
            "baseline": shown(theirs),
            "ratio": ratio,
            "target": f">= {target}" if target is not None else None,
            "pass": ratio >= target if target is not None else None,
            "details": {
                **common,
                "ratio_median": median_rate[ours] / median_rate[theirs],
                "samples_s": {ours: samples[ours], theirs: samples[theirs]},
            },
        }

    label = f"{PAGE_SIZE}-item PaginatedFlexClusterDescription"
    return [
        figure(
            "parse.flex_clusters.generated_vs_pydantic",
            f"parse, {label}: from_dict / pydantic model_validate (items/s, best)",
            "from_dict",
            "pydantic",
            PARSE_TARGET,
        ),
        figure(
            "parse_bytes.flex_clusters.sdk_vs_pydantic_json",
            f"parse from bytes, {label}: SDK ({decoder} + from_dict) / pydantic model_validate_json (items/s, best)",
            "sdk_bytes",
            "pydantic_json",
            PARSE_BYTES_TARGET,
        ),
        figure(
            "parse_bytes.flex_clusters.sdk_json_fallback_vs_pydantic_json",
            f"parse from bytes, {label}: SDK without msgspec (json.loads + from_dict) / pydantic model_validate_json",
            "sdk_bytes_json",
            "pydantic_json",
            None,
        ),
        figure(
            "json.decode.loads_json_vs_json",
            f"JSON decode alone, the same {len(body) // 1000} kB page: types.loads_json ({decoder}) / json.loads (speed)",
            "loads_json",
            "json.loads",
            None,
            unit="us/page",
        ),
    ]


def _json_decoder_name() -> str:
    """Which decoder types.loads_json uses here (msgspec comes with the [fast] extra)."""
    return "msgspec" if importlib.util.find_spec("msgspec") is not None else "json.loads"


def bench_parse_strictness(settings: Settings) -> list[dict[str, Any]]:
    """Issue #13: the client's parse step (generated parser + strictness policy) lenient against strict.

    The same 500-item page through `atlas_admin._parsing.parse_success` with ``strict=False`` and ``strict=True``;
    the body is decoded once beforehand (``Response.json`` returns it) so that only parsing is timed. A second,
    informational figure: the same page with one drifted field in every item (``terminationProtectionEnabled``
    sent as a string), parsed lenient, against the clean page: what the slow path costs when Atlas drifts.
    """
    from atlas_admin._parsing import parse_success
    from atlas_admin_api import types as generated_types
    from atlas_admin_api.api.flex_clusters import list_flex_clusters
    from atlas_admin_api.client import Client

    page = flex_cluster_page()
    drifted_page = {**page, "results": [{**item, "terminationProtectionEnabled": "false"} for item in page["results"]]}
    client = Client(base_url="https://atlas.test", raise_on_unexpected_status=False)
    request = httpx.Request("GET", "https://atlas.test/api/atlas/v2/groups/x/flexClusters")

    # The generated parser decodes with types.loads_json(response.content): while this figure is measured, that
    # seam hands back the pre-decoded body (a dict lookup by the identical bytes object), so only parsing is timed.
    decoded: dict[bytes, Any] = {}

    def response_for(body: dict[str, Any]) -> httpx.Response:
        content = json.dumps(body).encode()
        decoded[content] = body
        response = httpx.Response(200, content=content, headers={"Content-Type": "application/json"}, request=request)
        response.json = lambda **_: body  # type: ignore[method-assign]
        return response

    def way(body: dict[str, Any], strict: bool) -> Callable[[], Any]:
        response = response_for(body)

        def parse() -> Any:
            return parse_success(
                response,
                list_flex_clusters._parse_response,
                client=client,
                operation_id="x",
                strict=strict,
                warned=set(),
            )

        return parse

    ways = {"lenient": way(page, False), "strict": way(page, True), "lenient_drifted": way(drifted_page, False)}
    saved_decoder = generated_types._json_decoder
    generated_types._json_decoder = decoded.__getitem__
    try:
        return _parse_strictness_figures(settings, ways, page, drifted_page)
    finally:
        generated_types._json_decoder = saved_decoder


def _parse_strictness_figures(
    settings: Settings, ways: dict[str, Callable[[], Any]], page: dict[str, Any], drifted_page: dict[str, Any]
) -> list[dict[str, Any]]:
    # Both modes must accept the clean page and see the same thing; the drifted one only lenient.
    assert ways["lenient"]().to_dict() == ways["strict"]().to_dict() == page
    assert ways["lenient_drifted"]().to_dict() == drifted_page

    def timed(parse: Callable[[], Any]) -> float:
        gc.collect()
        start = time.perf_counter()
        for _ in range(settings.parse_pages):
            parse()
        return time.perf_counter() - start

    samples: dict[str, list[float]] = {name: [] for name in ways}
    for round_no in range(settings.parse_rounds):
        names = list(ways) if round_no % 2 == 0 else list(reversed(ways))
        for name in names:
            samples[name].append(timed(ways[name]))
    items = PAGE_SIZE * settings.parse_pages
    rate = {name: items / min(s) for name, s in samples.items()}
    median_rate = {name: items / statistics.median(s) for name, s in samples.items()}
    cost = rate["strict"] / rate["lenient"]  # lenient time per item over strict time per item
    drift_cost = rate["lenient"] / rate["lenient_drifted"]
    details = {
        "pages_per_sample": settings.parse_pages,
        "rounds": settings.parse_rounds,
        "items_per_s_best": rate,
        "items_per_s_median": median_rate,
        "samples_s": samples,
    }
    return [
        {
            "id": "parse.flex_clusters.lenient_vs_strict",
            "figure": f"parse, {PAGE_SIZE}-item page through the client's parse step: lenient / strict cost (best)",
            "sdk": f"{rate['lenient']:,.0f} items/s",
            "baseline": f"{rate['strict']:,.0f} items/s",
            "ratio": cost,
            "target": "<= 1.05",
            "pass": cost <= 1.05,
            "details": {**details, "cost_median": median_rate["strict"] / median_rate["lenient"]},
        },
        {
            "id": "parse.flex_clusters.drifted_vs_clean",
            "figure": f"parse, {PAGE_SIZE}-item page, one drifted field per item: lenient cost / clean page (best)",
            "sdk": f"{rate['lenient_drifted']:,.0f} items/s",
            "baseline": f"{rate['lenient']:,.0f} items/s",
            "ratio": drift_cost,
            "target": None,
            "pass": None,
            "details": {**details, "cost_median": median_rate["lenient"] / median_rate["lenient_drifted"]},
        },
    ]


# --- auth -------------------------------------------------------------------------------------------
async def bench_auth(base_url: str, settings: Settings) -> list[dict[str, Any]]:
    from atlas_admin import AtlasClient
    from atlas_admin.testing._app import DEFAULT_API_KEYS, DEFAULT_SERVICE_ACCOUNTS

    n = settings.auth_calls
    (client_id, client_secret), *_ = DEFAULT_SERVICE_ACCOUNTS.items()
    before = fake_stats(base_url)
    async with AtlasClient(client_id=client_id, client_secret=client_secret, base_url=base_url) as atlas:
        await asyncio.gather(
            *(atlas.custom_database_roles.get_custom_database_role(GROUP_ID, ROLE_NAME) for _ in range(n))
        )
    after = fake_stats(base_url)
    tokens = after["token_requests"] - before["token_requests"]

    (public_key, private_key), *_ = DEFAULT_API_KEYS.items()
    results = []
    for mode, concurrency in (("sequential", 1), (f"concurrency {settings.concurrency}", settings.concurrency)):
        before = fake_stats(base_url)
        async with AtlasClient(public_key=public_key, private_key=private_key, base_url=base_url) as atlas:

            async def call(atlas: AtlasClient = atlas) -> Any:
                return await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, ROLE_NAME)

            await drive(call, n, concurrency)
        after = fake_stats(base_url)
        exchanges = after["api_requests"] - before["api_requests"]
        challenges = after["api_status"].get("401", 0) - before["api_status"].get("401", 0)
        results.append((mode, concurrency, exchanges, challenges))

    figures: list[dict[str, Any]] = [
        {
            "id": "auth.service_account.token_requests",
            "figure": f"auth, service account: token requests for {n:,} concurrent first calls",
            "sdk": f"{tokens} token request(s)",
            "baseline": f"{n:,} calls",
            "ratio": float(tokens),
            "target": "== 1",
            "pass": tokens == 1,
            "details": {"calls": n, "token_requests": tokens},
        }
    ]
    for mode, concurrency, exchanges, challenges in results:
        per_call = exchanges / n
        figures.append(
            {
                "id": f"auth.digest.exchanges_per_call.{'sequential' if concurrency == 1 else 'concurrent'}",
                "figure": f"auth, digest ({mode}): HTTP exchanges per call",
                "sdk": f"{exchanges:,} exchanges ({challenges} x 401)",
                "baseline": f"{n:,} calls",
                "ratio": per_call,
                "target": "<= 1.01",
                "pass": per_call <= 1.01,
                "details": {"calls": n, "concurrency": concurrency, "exchanges": exchanges, "challenges": challenges},
            }
        )
    return figures


# --- import time ------------------------------------------------------------------------------------
_IMPORTTIME = re.compile(r"^import time:\s*(\d+)\s*\|\s*(\d+)\s*\|(\s*)(\S+)\s*$")


# httpx imports its command-line client (click, rich, pygments) whenever those happen to be installed, as they
# are in this dev environment but not usually in an application's. The info row blocks them for both imports.
_BLOCK_CLI = "import sys; sys.modules.update(click=None, rich=None, pygments=None); "


def import_time_us(module: str, *, block_cli: bool = False) -> int:
    """Cumulative microseconds of ``import module`` in a fresh interpreter (``-X importtime``)."""
    # An installed package has its bytecode compiled (pip does it, as it did for httpx); a work tree under
    # PYTHONDONTWRITEBYTECODE=1 would be recompiled from source on every import, so let the warm-up write it.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", (_BLOCK_CLI if block_cli else "") + f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tempfile.gettempdir(),  # never pick up a module from the work tree by accident
    )
    for line in done.stderr.splitlines():
        found = _IMPORTTIME.match(line)
        if found and found[4] == module and len(found[3]) == 1:
            return int(found[2])
    raise RuntimeError(f"no importtime line for {module}:\n{done.stderr[-2000:]}")


def bench_import(settings: Settings) -> list[dict[str, Any]]:
    figures = []
    for block_cli in (False, True):
        samples: dict[str, list[int]] = {"atlas_admin": [], "httpx": []}
        import_time_us("atlas_admin", block_cli=block_cli)  # warm the file-system cache and __pycache__ first
        import_time_us("httpx", block_cli=block_cli)
        for run in range(settings.import_runs):
            for module in ("atlas_admin", "httpx") if run % 2 == 0 else ("httpx", "atlas_admin"):
                samples[module].append(import_time_us(module, block_cli=block_cli))
        med = {m: statistics.median(s) for m, s in samples.items()}
        ratio = med["atlas_admin"] / med["httpx"]
        figures.append(
            {
                "id": "import.atlas_admin_vs_httpx" + (".without_httpx_cli" if block_cli else ""),
                "figure": "import time: atlas_admin / httpx (cumulative, median)"
                + (", httpx's CLI deps (click, rich, pygments) blocked" if block_cli else ""),
                "sdk": f"{med['atlas_admin'] / 1000:.0f} ms",
                "baseline": f"{med['httpx'] / 1000:.0f} ms",
                "ratio": ratio,
                "target": None if block_cli else f"<= {IMPORT_TARGET}",
                "pass": None if block_cli else ratio <= IMPORT_TARGET,
                "details": {"runs": settings.import_runs, "samples_us": samples, "block_cli": block_cli},
            }
        )
    return figures


# --- first call into an unused tag ---------------------------------------------------------------------
# A fresh process imports atlas_admin, makes one call into another tag (the connection is open and the shared call
# path is loaded after it), then times its first call into this tag: loading the tag's facade module, the
# operation module and the models it imports, plus one loopback exchange. The same call again is the baseline.
# The figure is the client's CPU time for that call (the fake answers from another process, and on a shared
# machine the wall time also counts waiting for a CPU); wall times are in the details.
FIRST_CALL_WARMUP = ("custom_database_roles", "get_custom_database_role")
FIRST_CALL_TAG = ("cloud_backups", "list_export_buckets")


async def first_call_child(base_url: str, token: str) -> dict[str, Any]:
    """Runs in its own process (``run.py _first_call``); nothing of atlas_admin is imported before this."""
    modules_at_start = set(sys.modules)
    started = time.perf_counter()
    from atlas_admin import AtlasClient

    imported = time.perf_counter()
    assert not any(m.startswith("atlas_admin") for m in modules_at_start), "atlas_admin was imported before"
    modules_before = len(sys.modules)
    async with AtlasClient(access_token=token, base_url=base_url) as atlas:
        warm_cpu = time.process_time()
        await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, ROLE_NAME)
        warm_cpu = time.process_time() - warm_cpu
        warm = time.perf_counter()
        modules_warm = len(sys.modules)
        tag, operation = FIRST_CALL_TAG
        call = getattr(getattr(atlas, tag), operation)
        t0, c0 = time.perf_counter(), time.process_time()
        await call(GROUP_ID, items_per_page=1)
        t1, c1 = time.perf_counter(), time.process_time()
        await call(GROUP_ID, items_per_page=1)
        t2, c2 = time.perf_counter(), time.process_time()
    return {
        "import_ms": 1e3 * (imported - started),
        "warmup_call_ms": 1e3 * (warm - imported),
        "warmup_call_cpu_ms": 1e3 * warm_cpu,
        "first_call_ms": 1e3 * (t1 - t0),
        "second_call_ms": 1e3 * (t2 - t1),
        "first_call_cpu_ms": 1e3 * (c1 - c0),
        "second_call_cpu_ms": 1e3 * (c2 - c1),
        "modules_loaded_by_warmup": modules_warm - modules_before,
        "modules_loaded_by_first_call": len(sys.modules) - modules_warm,
    }


def bench_first_call(base_url: str, settings: Settings) -> list[dict[str, Any]]:
    token = fake_token(base_url)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: with bytecode
    runs = []
    for run_no in range(settings.first_call_runs + 1):
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "_first_call", base_url, token],
            capture_output=True,
            text=True,
            env=env,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the first-call benchmark process failed:\n{done.stderr[-4000:]}")
        if run_no:  # the first run writes __pycache__ and warms the file-system cache
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    first = statistics.median(r["first_call_cpu_ms"] for r in runs)
    second = statistics.median(r["second_call_cpu_ms"] for r in runs)
    tag, operation = FIRST_CALL_TAG
    return [
        {
            "id": "first_call.unused_tag",
            "figure": f"first call into an unused tag after import (atlas.{tag}.{operation}), client CPU (median)",
            "sdk": f"{first:.1f} ms",
            "baseline": f"{second:.1f} ms (same call again)",
            "ratio": first,
            "target": f"<= {FIRST_CALL_TARGET_MS:.0f} ms",
            "pass": first <= FIRST_CALL_TARGET_MS,
            "details": {
                "runs": len(runs),
                "warmup_call": ".".join(FIRST_CALL_WARMUP),
                "first_call_cpu_ms_median": first,
                "second_call_cpu_ms_median": second,
                "first_call_wall_ms_median": statistics.median(r["first_call_ms"] for r in runs),
                "second_call_wall_ms_median": statistics.median(r["second_call_ms"] for r in runs),
                "modules_loaded_by_first_call": statistics.median(r["modules_loaded_by_first_call"] for r in runs),
                "import_ms_median": statistics.median(r["import_ms"] for r in runs),
                "samples": runs,
            },
        },
        {
            "id": "first_call.very_first",
            "figure": f"very first call after import ({'.'.join(FIRST_CALL_WARMUP)}): connection, shared call path and "
            "the models package, client CPU (median)",
            "sdk": f"{statistics.median(r['warmup_call_cpu_ms'] for r in runs):.1f} ms",
            "baseline": f"{statistics.median(r['modules_loaded_by_warmup'] for r in runs):.0f} modules loaded",
            "ratio": statistics.median(r["warmup_call_cpu_ms"] for r in runs),
            "target": None,
            "pass": None,
            "details": {"see": "first_call.unused_tag"},
        },
    ]


# --- peak RSS parsing a page -----------------------------------------------------------------------------
# Each measurement is a fresh process that imports the same modules, reads the body, resets the kernel's peak-RSS
# mark (/proc/self/clear_refs) and then either decodes the body with json.loads or parses it the way the SDK does
# (types.loads_json + from_dict), keeping the result. The figure compares the growth of the peak over the RSS
# just before: what parsing costs in memory beyond the bare decoded JSON.
def _proc_status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def _release_free_heap() -> None:
    """Hands the C heap's free pages back to the system (glibc ``malloc_trim``), so that what the measured parse
    allocates shows as RSS growth instead of reusing memory the imports freed (with the whole API's imports,
    ``json.loads`` alone otherwise grew the RSS by 0 kB)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the measure is coarser, not wrong
        pass


def peak_rss_child(mode: str, body_path: str) -> dict[str, Any]:
    """Runs in its own process (``run.py _peak_rss MODE BODY``)."""
    import atlas_admin  # noqa: F401  # the same modules loaded in both modes
    from atlas_admin_api.models.paginated_flex_cluster_description import PaginatedFlexClusterDescription
    from atlas_admin_api.types import loads_json

    loads_json(b"{}")  # picks (and imports) the decoder before the measurement
    body = Path(body_path).read_bytes()
    parse: Callable[[bytes], Any]
    if mode == "json":
        parse = json.loads
    elif mode == "sdk":

        def parse(content: bytes) -> Any:
            return PaginatedFlexClusterDescription.from_dict(loads_json(content))

    else:
        raise SystemExit(f"unknown mode {mode}")
    gc.collect()
    _release_free_heap()
    Path("/proc/self/clear_refs").write_text("5", encoding="ascii")  # resets VmHWM to the current RSS
    before = _proc_status_kb("VmRSS")
    # Several pages held at once: the growth is then megabytes, well above what the allocator had free.
    result = [parse(body) for _ in range(RSS_PAGES_HELD)]
    peak = _proc_status_kb("VmHWM")
    after = _proc_status_kb("VmRSS")
    del result
    return {"mode": mode, "rss_before_kb": before, "peak_kb": peak, "rss_after_kb": after, "growth_kb": peak - before}


def bench_peak_rss(settings: Settings) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="atlas-bench-rss-") as tmp:
        body_path = Path(tmp) / "page.json"
        body_path.write_bytes(json.dumps(flex_cluster_page()).encode())
        samples: dict[str, list[dict[str, Any]]] = {"json": [], "sdk": []}
        for run_no in range(settings.rss_runs):
            for mode in ("json", "sdk") if run_no % 2 == 0 else ("sdk", "json"):
                done = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "_peak_rss", mode, str(body_path)],
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    raise RuntimeError(f"the peak-RSS benchmark process failed:\n{done.stderr[-4000:]}")
                samples[mode].append(json.loads(done.stdout.strip().splitlines()[-1]))
        body_kb = body_path.stat().st_size / 1024
    growth = {mode: statistics.median(r["growth_kb"] for r in runs) for mode, runs in samples.items()}
    ratio = growth["sdk"] / max(growth["json"], 1)
    return [
        {
            "id": "peak_rss.flex_clusters.sdk_vs_json_loads",
            "figure": f"peak RSS growth parsing a {PAGE_SIZE}-item page ({body_kb:.0f} kB) {RSS_PAGES_HELD} times, results held: SDK / json.loads alone (median)",
            "sdk": f"{growth['sdk'] / 1024:.1f} MB",
            "baseline": f"{growth['json'] / 1024:.1f} MB",
            "ratio": ratio,
            "target": f"<= {PEAK_RSS_TARGET}",
            "pass": ratio <= PEAK_RSS_TARGET,
            "details": {"runs": settings.rss_runs, "json_decoder": _json_decoder_name(), "samples": samples},
        }
    ]


# --- wheel size ------------------------------------------------------------------------------------------
def bench_wheel(settings: Settings) -> list[dict[str, Any]]:
    """Builds the wheel with the project's build backend (hatchling) and reports its size (information only)."""
    import zipfile

    with tempfile.TemporaryDirectory(prefix="atlas-bench-wheel-") as tmp:
        done = subprocess.run(
            [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", tmp],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"building the wheel failed:\n{done.stderr[-4000:]}")
        (wheel,) = Path(tmp).glob("*.whl")
        size = wheel.stat().st_size
        with zipfile.ZipFile(wheel) as archive:
            entries = archive.infolist()
        unpacked = sum(e.file_size for e in entries)
        models = sum(1 for e in entries if "/models/" in e.filename and e.filename.endswith(".py"))
        operations = sum(1 for e in entries if "/api/" in e.filename and e.filename.endswith(".py"))
    return [
        {
            "id": "wheel.size",
            "figure": "wheel size (hatchling build), compressed / unpacked",
            "sdk": f"{size / 2**20:.2f} MB",
            "baseline": f"{unpacked / 2**20:.2f} MB unpacked, {len(entries)} files",
            "ratio": size / 2**20,
            "target": None,
            "pass": None,
            "details": {
                "wheel": wheel.name,
                "bytes": size,
                "unpacked_bytes": unpacked,
                "files": len(entries),
                "model_modules": models,
                "api_modules": operations,
            },
        }
    ]


# --- memory -----------------------------------------------------------------------------------------
def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def memory_child(base_url: str, token: str, warmup: int, calls: int, concurrency: int) -> dict[str, Any]:
    """Runs in its own process (``run.py _memory``): RSS after warm-up and as the calls go on."""
    from atlas_admin import AtlasClient

    async with AtlasClient(access_token=token, base_url=base_url) as atlas:

        async def call() -> Any:
            return await atlas.custom_database_roles.get_custom_database_role(GROUP_ID, ROLE_NAME)

        await drive(call, warmup, concurrency)
        gc.collect()
        baseline = rss_bytes()
        samples = []
        step = max(1, calls // 10)
        done = 0
        while done < calls:
            batch = min(step, calls - done)
            await drive(call, batch, concurrency)
            done += batch
            gc.collect()
            samples.append((done, rss_bytes()))
    return {"baseline_bytes": baseline, "samples": samples}


def bench_memory(base_url: str, settings: Settings) -> list[dict[str, Any]]:
    token = fake_token(base_url)
    done = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "_memory",
            base_url,
            token,
            str(settings.memory_warmup),
            str(settings.memory_calls),
            str(settings.concurrency),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the memory benchmark process failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    baseline = result["baseline_bytes"]
    final = result["samples"][-1][1]
    growth_mb = (final - baseline) / 2**20
    return [
        {
            "id": "memory.rss_growth",
            "figure": f"memory: client RSS growth over {settings.memory_calls:,} calls after {settings.memory_warmup:,} warm-up",
            "sdk": f"{growth_mb:+.2f} MB",
            "baseline": f"{baseline / 2**20:.1f} MB after warm-up",
            "ratio": growth_mb,
            "target": "<= 5 MB",
            "pass": growth_mb <= 5.0,
            "details": {
                "baseline_mb": baseline / 2**20,
                "samples_mb": [(n, rss / 2**20) for n, rss in result["samples"]],
                "max_growth_mb": max(rss for _, rss in result["samples"]) / 2**20 - baseline / 2**20,
            },
        }
    ]


# --- profile --------------------------------------------------------------------------------------------
async def profile(settings: Settings, top: int) -> str:
    """cProfile of the 500-item page through the SDK (against the fake) and of parsing the flex-cluster page."""
    import cProfile
    import io
    import pstats

    from atlas_admin_api.models.paginated_flex_cluster_description import PaginatedFlexClusterDescription
    from atlas_admin_api.types import loads_json

    out = io.StringIO()
    with fake_process() as base_url:
        token = fake_token(base_url)
        async with SdkWay(base_url, token, "list") as call:
            await drive(call, 2 * settings.concurrency, settings.concurrency)
            profiler = cProfile.Profile()
            profiler.enable()
            await drive(call, settings.list_calls, settings.concurrency)
            profiler.disable()
    out.write(f"== SDK, {settings.list_calls} calls of list_export_buckets ({PAGE_SIZE} items), concurrency 32 ==\n")
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)

    body = json.dumps(flex_cluster_page()).encode()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(20 * settings.parse_pages):
        PaginatedFlexClusterDescription.from_dict(loads_json(body))
    profiler.disable()
    out.write(
        f"== loads_json + from_dict of the {PAGE_SIZE}-item flex-cluster page, {20 * settings.parse_pages} times ==\n"
    )
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- the report -------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "cpu": cpu,
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "httpx": httpx.__version__,
        # Without sniffio, httpcore retries `import sniffio` on every request (anyio >= 4.? no longer installs it).
        "sniffio_installed": importlib.util.find_spec("sniffio") is not None,
    }


def _fmt_ratio(figure: dict[str, Any]) -> str:
    value = figure["ratio"]
    if figure["id"].startswith("memory."):
        return f"{value:+.2f} MB"
    if figure["id"].startswith("first_call."):
        return f"{value:.1f} ms"
    if figure["id"].startswith("wheel."):
        return f"{value:.2f} MB"
    if figure["id"].endswith("token_requests"):
        return f"{value:.0f}"
    return f"{value:.3f}"


def table(figures: list[dict[str, Any]]) -> str:
    rows = [("figure", "SDK", "baseline", "ratio", "target", "result")]
    for f in figures:
        verdict = "-" if f["pass"] is None else ("PASS" if f["pass"] else "FAIL")
        rows.append((f["figure"], f["sdk"], f["baseline"], _fmt_ratio(f), f["target"] or "(info)", verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


async def run_all(settings: Settings) -> list[dict[str, Any]]:
    figures: list[dict[str, Any]] = []
    if "import" in settings.only:
        figures += bench_import(settings)
    if "parse" in settings.only:
        figures += bench_parse(settings)
        figures += bench_parse_strictness(settings)
    if "peak_rss" in settings.only:
        figures += bench_peak_rss(settings)
    if "wheel" in settings.only:
        figures += bench_wheel(settings)
    if settings.only & {"calls", "auth", "first_call", "memory"}:
        with fake_process() as base_url:
            if "calls" in settings.only:
                figures += await bench_calls(base_url, settings)
            if "first_call" in settings.only:
                figures += bench_first_call(base_url, settings)
            if "auth" in settings.only:
                figures += await bench_auth(base_url, settings)
            if "memory" in settings.only:
                figures += bench_memory(base_url, settings)
    return figures


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_memory":
        base_url, token, warmup, calls, concurrency = argv[1:6]
        result = asyncio.run(memory_child(base_url, token, int(warmup), int(calls), int(concurrency)))
        print(json.dumps(result))
        return 0
    if argv and argv[0] == "_first_call":
        print(json.dumps(asyncio.run(first_call_child(argv[1], argv[2]))))
        return 0
    if argv and argv[0] == "_peak_rss":
        print(json.dumps(peak_rss_child(argv[1], argv[2])))
        return 0
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness, not the speed")
    parser.add_argument("--calls", type=int, help="calls per way for the single-object GET (default 5000)")
    parser.add_argument("--list-calls", type=int, help="calls per way for the 500-item page (default 1000)")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, help="rounds of the three ways, alternating (default 3)")
    parser.add_argument("--parse-pages", type=int, help="500-item pages parsed per sample (default 4)")
    parser.add_argument("--memory-calls", type=int, help="calls after the warm-up (default 50000)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(FIGURES)}")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON results")
    parser.add_argument(
        "--profile", type=int, metavar="TOP", help="print the TOP functions by own time (cProfile) and exit"
    )
    args = parser.parse_args(argv)
    settings = Settings(args)
    if args.profile:
        print(asyncio.run(profile(settings, args.profile)))
        return 0

    started = time.monotonic()
    figures = asyncio.run(run_all(settings))
    results = {
        "machine": machine(),
        "settings": settings.as_dict(),
        "duration_s": round(time.monotonic() - started, 1),
        "figures": figures,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    m = results["machine"]
    print(f"atlas-admin benchmarks - {m['date']} - {m['nproc']} cores, {m['cpu']}, Python {m['python']}")
    if not m["sniffio_installed"]:
        print(
            "note: sniffio is not installed, so httpcore re-tries `import sniffio` on every request (SDK and raw alike)"
        )
    print(table(figures))
    print(f"({results['duration_s']} s; results in {args.output})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
