"""`make bench`: how much the SDK costs over plain httpx, against FakeAtlas on loopback (issue #9).

Every figure is a ratio against a baseline measured in the same run, because absolute times on a
shared 2-core machine are noise. FakeAtlas runs in a separate process (``bench/fake_server.py``) so
that the client's own CPU time is what differs between the ways of calling.

    .venv/bin/python bench/run.py              # the full run (a few minutes); writes bench/results.json
    .venv/bin/python bench/run.py --smoke      # a tiny run that only checks the harness works
    .venv/bin/python bench/run.py --only parse,import

Figures:

1. call overhead - N calls at concurrency C through the SDK (`AtlasClient`, static bearer token
   issued by the fake), raw `httpx.AsyncClient` (same method, URL, query and headers, then ``.json()``)
   and the generated module alone (its ``_get_kwargs``, the `AuthenticatedClient`'s httpx client, its
   ``_parse_response``: what the generator's ``asyncio_detailed`` did); rounds alternate the order
   and the median wall time of each way counts. Single object (`get_custom_database_role`) and a
   500-item page (`list_export_buckets`).
2. parse - items per second through the generated ``from_dict`` against pydantic v2 models generated
   from the same spec by datamodel-code-generator (``model_validate``), on a 500-item
   `PaginatedFlexClusterDescription` built from the documented example.
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
FIGURES = ("calls", "parse", "auth", "import", "memory")


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
    name = "generated"

    async def __aenter__(self) -> Callable[[], Awaitable[Any]]:
        from atlas_admin_api.client import AuthenticatedClient

        self.client = AuthenticatedClient(base_url=self.base_url, token=self.token)
        client = self.client
        module = _generated_module(self.operation)
        args, kwargs = _generated_args(self.operation)

        http = client.get_async_httpx_client()

        async def call() -> Any:
            response = await http.request(**module._get_kwargs(*args, **kwargs))
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
        target = 1.10 if operation == "get" else None
        for other in ("sdk", "generated"):
            ratio = med[other]["wall_s"] / med["raw"]["wall_s"]
            cpu_ratio = med[other]["cpu_s"] / med["raw"]["cpu_s"]
            has_target = other == "sdk" and target is not None
            figures.append(
                {
                    "id": f"calls.{operation}.{other}_vs_raw",
                    "figure": f"call overhead, {label}: {other} / raw httpx (wall)",
                    "sdk": f"{med[other]['wall_s']:.2f} s ({calls / med[other]['wall_s']:.0f}/s)",
                    "baseline": f"{med['raw']['wall_s']:.2f} s ({calls / med['raw']['wall_s']:.0f}/s)",
                    "ratio": ratio,
                    "target": "<= 1.10" if has_target else None,
                    "pass": (ratio <= target) if has_target and target is not None else None,
                    "details": details,
                }
            )
            figures.append(
                {
                    "id": f"calls.{operation}.{other}_vs_raw_cpu",
                    "figure": f"call overhead, {label}: {other} / raw httpx (client CPU)",
                    "sdk": f"{1e6 * med[other]['cpu_s'] / calls:.0f} us/call",
                    "baseline": f"{1e6 * med['raw']['cpu_s'] / calls:.0f} us/call",
                    "ratio": cpu_ratio,
                    "target": None,
                    "pass": None,
                    "details": {"see": f"calls.{operation}.{other}_vs_raw"},
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
    from atlas_admin_api.models.paginated_flex_cluster_description import PaginatedFlexClusterDescription

    page = flex_cluster_page()
    with tempfile.TemporaryDirectory(prefix="atlas-bench-pydantic-") as tmp:
        models = pydantic_models(Path(tmp))
    pydantic_page = models.PaginatedFlexClusterDescription

    # Both must accept the page and see the same thing, or the comparison means nothing.
    generated = PaginatedFlexClusterDescription.from_dict(page)
    validated = pydantic_page.model_validate(page)
    assert not isinstance(generated.results, type(None)) and len(generated.results) == PAGE_SIZE
    assert validated.results is not None and len(validated.results) == PAGE_SIZE
    assert generated.results[7].create_date == validated.results[7].createDate

    def timed(parse: Callable[[dict[str, Any]], Any]) -> float:
        gc.collect()
        start = time.perf_counter()
        for _ in range(settings.parse_pages):
            parse(page)
        return time.perf_counter() - start

    ways = {"generated": PaginatedFlexClusterDescription.from_dict, "pydantic": pydantic_page.model_validate}
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
    ratio = rate["generated"] / rate["pydantic"]
    return [
        {
            "id": "parse.flex_clusters.generated_vs_pydantic",
            "figure": f"parse, {PAGE_SIZE}-item PaginatedFlexClusterDescription: from_dict / pydantic (items/s, best)",
            "sdk": f"{rate['generated']:,.0f} items/s",
            "baseline": f"{rate['pydantic']:,.0f} items/s",
            "ratio": ratio,
            "target": ">= 1.0",
            "pass": ratio >= 1.0,
            "details": {
                "pages_per_sample": settings.parse_pages,
                "rounds": settings.parse_rounds,
                "items_per_s_best": rate,
                "items_per_s_median": median_rate,
                "ratio_median": median_rate["generated"] / median_rate["pydantic"],
                "samples_s": samples,
            },
        }
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
                "target": None if block_cli else "<= 1.3",
                "pass": None if block_cli else ratio <= 1.3,
                "details": {"runs": settings.import_runs, "samples_us": samples, "block_cli": block_cli},
            }
        )
    return figures


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
    if settings.only & {"calls", "auth", "memory"}:
        with fake_process() as base_url:
            if "calls" in settings.only:
                figures += await bench_calls(base_url, settings)
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
    args = parser.parse_args(argv)
    settings = Settings(args)

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
