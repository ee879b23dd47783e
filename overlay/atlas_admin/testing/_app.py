"""FakeAtlas: the ASGI application and its request pipeline.

The pipeline: authenticate (`_auth`), count against the rate limit, match the operation (`_spec`),
negotiate the version and validate the request (`_validation`), apply an injected fault (`_faults`),
then serve the operation (`_resources`, with slow resources moving on in `_lifecycle`) and log it (`_log`).
"""

from __future__ import annotations

import collections
import json
import time
import urllib.parse
import weakref
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ._auth import Authenticator, TokenRefused, parse_basic
from ._families import Behaviour, Family, families, plan_behaviours
from ._faults import Fault, FaultTable, InjectedDisconnect, fault_response, mangle
from ._lifecycle import Lifecycle
from ._log import RequestLogEntry, Stats, mask_form, mask_headers
from ._resources import Resources, fill, template_regex
from ._responses import ApiProblem, atlas_error, json_response
from ._spec import Spec, load_packaged_spec
from ._store import Store
from ._validation import negotiate, request_media_type, validate

__all__ = ["ApiProblem", "FakeAtlas", "InjectedDisconnect", "atlas_error", "plan_behaviours"]

API_PREFIX = "/api/atlas/"
TOKEN_OPERATION_ID = "oauth:token"
REVOKE_OPERATION_ID = "oauth:revoke"
DEFAULT_SERVICE_ACCOUNTS = {"mdb_sa_id_demo": "mdb_sa_sk_demo"}
DEFAULT_API_KEYS = {"publickey": "privatekey"}
# RFC 9745 wants a structured date; 2025-01-01T00:00:00Z unless the spec says otherwise.
DEFAULT_DEPRECATION = "@1735689600"
DEFAULT_SUNSET = "Thu, 01 Jan 2026 00:00:00 GMT"
# Seconds a slow resource (a cluster) spends CREATING/UPDATING, and DELETING, on the fake's clock.
# Real Atlas takes minutes; a few seconds keep scripts against `python -m atlas_admin.testing` honest
# about waiting without making anyone wait long. Tests pass 0 or move a hand-made clock.
DEFAULT_PROVISIONING_DELAY = 3.0
DEFAULT_DELETION_DELAY = 2.0

# The packaged spec is the same for every FakeAtlas in a process: compile it once.
_packaged_spec: Spec | None = None


def _spec_for(document: Mapping[str, Any] | None) -> Spec:
    global _packaged_spec
    if document is not None:
        return Spec(dict(document))
    if _packaged_spec is None:
        _packaged_spec = Spec(load_packaged_spec())
    return _packaged_spec


class FakeAtlas:
    """An in-memory Atlas Admin API v2, served from the OpenAPI spec (like moto for AWS).

    In-process, for your own tests::

        fake = FakeAtlas()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
            ...

    Over real loopback HTTP: ``async with FakeAtlas().serve() as base_url: ...``. From a shell:
    ``python -m atlas_admin.testing --port 8080``.

    Every operation of the spec answers. Resource families (a collection path and its item path, such
    as ``/groups/{groupId}/clusters`` and ``.../{clusterName}``) keep state: POST creates, GET reads and
    lists, PATCH/PUT change, DELETE removes. Slow resources move through their states on ``clock``:
    a cluster is CREATING for ``provisioning_delay`` seconds, then IDLE; DELETING for ``deletion_delay``
    seconds, then gone. ``FakeAtlas(provisioning_delay=0, deletion_delay=0)`` makes them settle at the
    next request; a hand-moved ``clock`` steps them; `settle` finishes every transition at once.
    """

    def __init__(
        self,
        *,
        spec: Mapping[str, Any] | None = None,
        service_accounts: Mapping[str, str] | None = None,
        api_keys: Mapping[str, str] | None = None,
        token_lifetime: float = 3600.0,
        token_request_limit: int | None = None,
        token_request_window: float = 3600.0,
        nonce_lifetime: float = 300.0,
        rate_limit: int = 1_000_000,
        rate_limit_window: float = 60.0,
        clock: Callable[[], float] = time.time,
        provisioning_delay: float = DEFAULT_PROVISIONING_DELAY,
        deletion_delay: float = DEFAULT_DELETION_DELAY,
    ) -> None:
        self.spec = _spec_for(spec)
        self.behaviours: dict[str, Behaviour] = _plan_for(self.spec)
        self.auth = Authenticator(
            service_accounts=DEFAULT_SERVICE_ACCOUNTS if service_accounts is None else service_accounts,
            api_keys=DEFAULT_API_KEYS if api_keys is None else api_keys,
            token_lifetime=token_lifetime,
            token_request_limit=token_request_limit,
            token_request_window=token_request_window,
            nonce_lifetime=nonce_lifetime,
            clock=clock,
        )
        self.store = Store()
        self.lifecycle = Lifecycle(
            clock,
            provisioning_delay=provisioning_delay,
            deletion_delay=deletion_delay,
            timestamp=self.spec.synthesizer.now,
        )
        self.resources = Resources(self.spec, self.store, self.lifecycle, clock)
        self.faults = FaultTable()
        self.requests: list[RequestLogEntry] = []
        self.stats = Stats()
        self.rate_limit = rate_limit
        self.rate_limit_window = rate_limit_window
        self._clock = clock
        self._rate_windows: dict[str, collections.deque[float]] = {}
        self._app = Starlette(
            routes=[
                Route("/api/oauth/token", self._token_endpoint, methods=["POST"]),
                Route("/api/oauth/revoke", self._revoke_endpoint, methods=["POST"]),
                Route("/{path:path}", self._api_endpoint, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
            ]
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)

    # --- public helpers -----------------------------------------------------------------------------
    @property
    def families(self) -> list[Family]:
        """The resource families the spec's paths describe (each with its operation ids by kind)."""
        return families(self.behaviours)

    def inject(self, operation_id: str, fault: Fault) -> None:
        """Apply ``fault`` to the next ``fault.times`` requests for ``operation_id`` (``"*"``: any API operation).

        ``fake.inject("createExportBucket", Fault(status=503, retry_after="2", times=2))``
        """
        if operation_id not in ("*", TOKEN_OPERATION_ID, REVOKE_OPERATION_ID) and operation_id not in self.spec.by_id:
            raise KeyError(f"unknown operation id {operation_id!r}")
        self.faults.add(operation_id, fault)

    def reset(self) -> None:
        """Forget state, pending transitions, faults, the request log and counters; issued tokens stay valid.

        ``fake.reset()`` between tests that share one fake.
        """
        self.store.clear()
        self.lifecycle.clear()
        self.faults.clear()
        self.requests.clear()
        self.stats = Stats()
        self._rate_windows.clear()

    def clear_faults(self, operation_id: str | None = None) -> None:
        """Forget injected faults (all of them, or one operation's): ``fake.clear_faults("listExportBuckets")``."""
        self.faults.clear(operation_id)

    def expire_tokens(self) -> None:
        """Make every access token issued so far expired, as if ``token_lifetime`` had passed.

        ``fake.expire_tokens()``; the next API call with an old token gets 401 and the client must refresh.
        """
        self.auth.expire_tokens()

    def settle(self) -> None:
        """Finish every pending state transition now: clusters CREATING become IDLE, DELETING ones go.

        ``fake.settle()``; with a real clock the same happens by itself after the configured delays.
        """
        self.lifecycle.settle()

    def seed(self, target: str, items: Iterable[Mapping[str, Any]], **path_params: str) -> list[dict[str, Any]]:
        """Put ``items`` into a collection; returns them as stored (with generated ids, ready at once).

        ``target`` is an operation id of the collection (its list, create or item operations) plus the
        path parameters, or a concrete collection path::

            fake.seed("listExportBuckets", [{"cloudProvider": "AWS", "bucketName": "b"}], groupId=GROUP_ID)
            fake.seed(f"/api/atlas/v2/groups/{GROUP_ID}/customDBRoles/roles", [{"roleName": "r"}])
        """
        family: Family | None
        if target.startswith("/"):
            path = target.rstrip("/")
            family = next((f for f in self.families if template_regex(f.collection).match(path)), None)
        else:
            behaviour = self.behaviours.get(target)
            if behaviour is None or behaviour.family is None:
                raise KeyError(f"{target!r} is not an operation on a stored collection")
            family = behaviour.family
            path = fill(family.collection, path_params)
        return [self.resources.put(path, dict(item), family) for item in items]

    @asynccontextmanager
    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Serve on real loopback HTTP in this event loop; yields the base URL.

        ``async with FakeAtlas().serve() as base_url: ...`` (``port=0`` picks a free port).
        """
        from ._server import serve_in_background

        async with serve_in_background(self, host, port) as base_url:
            yield base_url

    # --- token endpoints ----------------------------------------------------------------------------
    async def _token_endpoint(self, request: Request) -> Response:
        self.stats.token_requests += 1
        form = await _read_form(request)
        fault = self.faults.take(TOKEN_OPERATION_ID, wildcard=False)
        try:
            if fault is not None and (injected := await fault_response(fault, None, None)) is not None:
                response: Response = injected
            else:
                body = self.auth.issue_token(parse_basic(request.headers.get("authorization")), form)
                response = JSONResponse(body, headers={"Cache-Control": "no-store"})
                if fault is not None:
                    response = mangle(fault, response, "application/json")
        except TokenRefused as refused:
            response = JSONResponse(refused.body, status_code=refused.status)
            if refused.status == 401:
                response.headers["WWW-Authenticate"] = 'Basic realm="Atlas"'
        self._log(request, TOKEN_OPERATION_ID, mask_form(form), response.status_code, None, fault)
        return response

    async def _revoke_endpoint(self, request: Request) -> Response:
        form = await _read_form(request)
        fault = self.faults.take(REVOKE_OPERATION_ID, wildcard=False)
        try:
            if fault is not None and (injected := await fault_response(fault, None, None)) is not None:
                response: Response = injected
            else:
                self.auth.revoke_token(parse_basic(request.headers.get("authorization")), form)
                self.stats.revocations += 1
                response = Response(status_code=200)
        except TokenRefused as refused:
            response = JSONResponse(refused.body, status_code=refused.status)
        self._log(request, REVOKE_OPERATION_ID, mask_form(form), response.status_code, None, fault)
        return response

    # --- the API pipeline ---------------------------------------------------------------------------
    # --- API operations -----------------------------------------------------------------------------
    async def _api_endpoint(self, request: Request) -> Response:
        op = None
        principal: str | None = None
        body: Any = None
        fault: Fault | None = None
        raw = await request.body()
        try:
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                    raise ApiProblem(
                        400,
                        "VALIDATION_ERROR",
                        "The request body is not valid JSON.",
                        [{"field": "body", "description": "invalid JSON"}],
                    ) from None
            path = request.url.path
            if not path.startswith(API_PREFIX):
                raise ApiProblem(404, "RESOURCE_NOT_FOUND", f"No resource at {path}.")
            principal = self._authenticate(request)
            self._count_request(principal)
            # Match on the still-encoded path and decode each parameter once: a segment such as "a%2Fb" or
            # "a%3Fb" is one parameter value ("a/b", "a?b"), and "%252e" must stay "%2e", not become ".".
            # httpx's ASGITransport puts the query into raw_path too; a literal "?" there is always the separator.
            encoded_path = request.scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or path
            op, encoded_params, path_exists = self.spec.match(request.method, encoded_path)
            raw_params = {name: urllib.parse.unquote(value) for name, value in encoded_params.items()}
            if op is None:
                if path_exists:
                    raise ApiProblem(405, "METHOD_NOT_ALLOWED", f"{request.method} is not supported on {path}.")
                raise ApiProblem(404, "RESOURCE_NOT_FOUND", f"No resource at {path}.")
            self.stats.requests_by_operation[op.operation_id] += 1
            media_type = negotiate(op, request.headers.get("accept", ""))
            body_media_type = (
                request_media_type(op, request.headers.get("content-type", ""), media_type) if raw else None
            )
            params = validate(self.spec, op, raw_params, request.query_params, body, bool(raw), body_media_type)
            fault = self.faults.take(op.operation_id)
            if fault is not None and (injected := await fault_response(fault, op.success_status, media_type)):
                response = injected
            else:
                self.lifecycle.advance()
                behaviour = self.behaviours[op.operation_id]
                status, payload = self.resources.handle(behaviour, op, params, body, request.url, media_type)
                if params.get("envelope") is True:
                    # Atlas's envelope=true: always 200, the real status inside (for clients that hide statuses).
                    status, payload = 200, {"status": status, "content": payload}
                response = json_response(status, payload, media_type)
                if fault is not None:
                    response = mangle(fault, response, media_type)
        except ApiProblem as problem:
            response = JSONResponse(
                atlas_error(problem.status, problem.error_code, problem.detail, problem.fields),
                status_code=problem.status,
                headers=problem.headers,
            )
        if request.url.path.startswith(API_PREFIX):
            self._rate_limit_headers(response, principal)
        if op is not None and op.deprecated:
            response.headers["Deprecation"] = DEFAULT_DEPRECATION
            response.headers["Sunset"] = _sunset(op.sunset)
        self._log(request, op.operation_id if op else None, body, response.status_code, principal, fault)
        return response

    def _authenticate(self, request: Request) -> str:
        raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        query = request.url.query
        uri = f"{raw_path}?{query}" if query and "?" not in raw_path else raw_path
        result = self.auth.authenticate(request.method, uri, request.headers.get("authorization"))
        if result.principal is None:
            problem = ApiProblem(401, "UNAUTHORIZED", result.detail or "You are not authorized for this resource.")
            problem.headers["WWW-Authenticate"] = self.auth.digest_challenge(stale=result.stale_nonce)
            raise problem
        return result.principal

    def _count_request(self, principal: str) -> None:
        """Count the request against the principal's rate limit window; 429 once it is used up."""
        window = self._rate_windows.setdefault(principal, collections.deque())
        now = self._clock()
        while window and now - window[0] >= self.rate_limit_window:
            window.popleft()
        if len(window) >= self.rate_limit:
            problem = ApiProblem(429, "RATE_LIMITED", "Too many requests; slow down.")
            problem.headers["Retry-After"] = str(max(1, int(self.rate_limit_window - (now - window[0]))))
            raise problem
        window.append(now)

    def _rate_limit_headers(self, response: Response, principal: str | None) -> None:
        used = len(self._rate_windows.get(principal, ())) if principal else 0
        response.headers["RateLimit-Limit"] = str(self.rate_limit)
        response.headers["RateLimit-Remaining"] = str(max(0, self.rate_limit - used))

    # --- log ----------------------------------------------------------------------------------------
    def _log(
        self,
        request: Request,
        operation_id: str | None,
        body: Any,
        status: int,
        principal: str | None,
        fault: Fault | None,
    ) -> None:
        self.requests.append(
            RequestLogEntry(
                method=request.method,
                path=request.url.path,
                query=request.url.query,
                operation_id=operation_id,
                headers=mask_headers(request.headers),
                body=body,
                status=status,
                principal=principal,
                fault=fault.kind if fault else None,
            )
        )


_plans: weakref.WeakKeyDictionary[Spec, dict[str, Behaviour]] = weakref.WeakKeyDictionary()


def _plan_for(spec: Spec) -> dict[str, Behaviour]:
    if spec not in _plans:
        _plans[spec] = plan_behaviours(spec)
    return _plans[spec]


def _sunset(value: Any) -> str:
    if not value:
        return DEFAULT_SUNSET
    try:
        parsed = time.strptime(str(value)[:10], "%Y-%m-%d")
    except ValueError:
        return str(value)
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", parsed)


async def _read_form(request: Request) -> dict[str, str]:
    # Parsed by hand so the fake needs no python-multipart; the token endpoints only take urlencoded forms.
    return dict(urllib.parse.parse_qsl((await request.body()).decode("utf-8", "replace")))
