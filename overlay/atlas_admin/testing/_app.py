"""FakeAtlas: the ASGI application, its request pipeline and the resource behaviours."""

from __future__ import annotations

import asyncio
import collections
import json
import re
import time
import urllib.parse
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import httpx
from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ._auth import Authenticator, TokenRefused, parse_basic
from ._faults import Fault, FaultTable
from ._log import RequestLogEntry, Stats, mask_form, mask_headers
from ._spec import Parameter, Spec, SpecOperation, load_packaged_spec
from ._store import Store, new_object_id

API_PREFIX = "/api/atlas/"
TOKEN_OPERATION_ID = "oauth:token"
REVOKE_OPERATION_ID = "oauth:revoke"
DEFAULT_SERVICE_ACCOUNTS = {"mdb_sa_id_demo": "mdb_sa_sk_demo"}
DEFAULT_API_KEYS = {"publickey": "privatekey"}
# RFC 9745 wants a structured date; 2025-01-01T00:00:00Z unless the spec says otherwise.
DEFAULT_DEPRECATION = "@1735689600"
DEFAULT_SUNSET = "Thu, 01 Jan 2026 00:00:00 GMT"
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_ITEM_TEMPLATE = re.compile(r"^(?P<parent>.+)/\{(?P<param>[^}/]+)\}$")


class InjectedDisconnect(httpx.RemoteProtocolError):
    """Raised by the app to drop a connection mid-response (`Fault.disconnect`).

    Over loopback the server aborts the socket and the client sees its own `httpx.RemoteProtocolError`;
    in-process through `httpx.ASGITransport` this exception reaches the client directly, so client
    code can catch the same `httpx.RemoteProtocolError` in both modes.
    """


class ApiProblem(Exception):
    """An Atlas error response, raised anywhere in the pipeline."""

    def __init__(self, status: int, error_code: str, detail: str, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.error_code = error_code
        self.detail = detail
        self.fields = fields
        self.headers: dict[str, str] = {}


def atlas_error(
    status: int, error_code: str, detail: str, fields: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """The body Atlas sends with an error status."""
    body: dict[str, Any] = {
        "error": status,
        "errorCode": error_code,
        "detail": detail,
        "reason": _REASONS.get(status, "Error"),
        "parameters": [],
    }
    if fields is not None:
        body["badRequestDetail"] = {"fields": fields}
    return body


@attrs.define(frozen=True)
class Behaviour:
    """How FakeAtlas serves one operation: from the store, or from the documented example."""

    kind: str  # list | create | get | update | replace | delete | doc_get | doc_update | doc_replace | example
    collection: str | None = None  # the collection's path template, for collection behaviours
    key: str | None = None  # the item path parameter, e.g. "roleName"
    id_field: str | None = None  # "_id" or "id": what create generates
    links: bool = False  # whether created items carry "links"
    # For a collection nobody can POST to, the list operation whose documented example fills it at first use.
    initial: str | None = None


def plan_behaviours(spec: Spec) -> dict[str, Behaviour]:
    """Decide which operations are backed by the store.

    A collection is stateful when the documented operations both write it (POST to the collection, or
    PUT/PATCH on an item) and read it back (GET on the collection or an item). A path with a GET and a
    PATCH/PUT but no collection around it is a single document (project settings, say).
    """
    by_path: dict[str, dict[str, SpecOperation]] = collections.defaultdict(dict)
    for op in spec.operations:
        by_path[op.path][op.method] = op
    children: dict[str, list[tuple[str, str]]] = collections.defaultdict(list)  # parent -> [(item path, param)]
    for path in by_path:
        found = _ITEM_TEMPLATE.match(path)
        if found and found["parent"] in by_path:
            children[found["parent"]].append((path, found["param"]))

    plan: dict[str, Behaviour] = {}
    for collection, methods in by_path.items():
        items = children.get(collection, [])
        item_methods = {m for item_path, _ in items for m in by_path[item_path]}
        writes = "POST" in methods or bool(item_methods & {"PUT", "PATCH"})
        reads = "GET" in methods or "GET" in item_methods
        if not (writes and reads and ("POST" in methods or "GET" in methods)):
            continue
        key = items[0][1] if items else None
        create = methods.get("POST")
        properties = set(spec.walk_properties(create.response_schema)) if create and create.response_schema else set()
        if not properties and "GET" in methods and methods["GET"].response_schema is not None:
            listed = spec.resolve(methods["GET"].response_schema)
            item_schema = spec.resolve(
                listed.get("items") or spec.resolve(listed.get("properties", {}).get("results", {})).get("items", {})
            )
            properties = set(spec.walk_properties(item_schema))
        id_field = "_id" if "_id" in properties else "id" if ("id" in properties or not properties) else None
        shared = Behaviour(
            "list",
            collection=collection,
            key=key,
            id_field=id_field,
            links="links" in properties or not properties,
            initial=methods["GET"].operation_id if create is None and "GET" in methods else None,
        )
        if "GET" in methods:
            plan[methods["GET"].operation_id] = shared
        if create is not None:
            plan[create.operation_id] = attrs.evolve(shared, kind="create")
        for item_path, _param in items:
            for method, kind in (("GET", "get"), ("PATCH", "update"), ("PUT", "replace"), ("DELETE", "delete")):
                if method in by_path[item_path]:
                    plan[by_path[item_path][method].operation_id] = attrs.evolve(shared, kind=kind)
    for path, methods in by_path.items():
        if "GET" in methods and ({"PATCH", "PUT"} & set(methods)) and methods["GET"].operation_id not in plan:
            for method, kind in (("GET", "doc_get"), ("PATCH", "doc_update"), ("PUT", "doc_replace")):
                if method in methods:
                    plan[methods[method].operation_id] = Behaviour(kind, collection=path)
    for op in spec.operations:
        plan.setdefault(op.operation_id, Behaviour("example"))
    return plan


class FakeAtlas:
    """An in-memory Atlas Admin API v2, served from the OpenAPI spec (like moto for AWS).

    In-process, for your own tests::

        fake = FakeAtlas()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake), base_url="https://fake") as http:
            ...

    Over real loopback HTTP: ``async with FakeAtlas().serve() as base_url: ...``. From a shell:
    ``python -m atlas_admin.testing --port 8080``.
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
    ) -> None:
        self.spec = Spec(dict(spec) if spec is not None else load_packaged_spec())
        self.behaviours = plan_behaviours(self.spec)
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
    def inject(self, operation_id: str, fault: Fault) -> None:
        """Apply ``fault`` to the next ``fault.times`` requests for ``operation_id`` (``"*"``: any API operation).

        ``fake.inject("createExportBucket", Fault(status=503, retry_after="2", times=2))``
        """
        if operation_id not in ("*", TOKEN_OPERATION_ID, REVOKE_OPERATION_ID) and operation_id not in self.spec.by_id:
            raise KeyError(f"unknown operation id {operation_id!r}")
        self.faults.add(operation_id, fault)

    def reset(self) -> None:
        """Forget state, faults, the request log and counters; issued tokens stay valid.

        ``fake.reset()`` between tests that share one fake.
        """
        self.store.clear()
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

    def seed(self, target: str, items: Iterable[Mapping[str, Any]], **path_params: str) -> list[dict[str, Any]]:
        """Put ``items`` into a collection; returns them as stored (with generated ids).

        ``target`` is an operation id of the collection (its list, create or item operations) plus the
        path parameters, or a concrete collection path::

            fake.seed("listExportBuckets", [{"cloudProvider": "AWS", "bucketName": "b"}], groupId=GROUP_ID)
            fake.seed(f"/api/atlas/v2/groups/{GROUP_ID}/customDBRoles/roles", [{"roleName": "r"}])
        """
        behaviour: Behaviour | None
        if target.startswith("/"):
            path = target.rstrip("/")
            behaviour = next(
                (
                    b
                    for b in self.behaviours.values()
                    if b.collection and b.kind == "list" and self._template_regex(b.collection).match(path)
                ),
                None,
            )
        else:
            behaviour = self.behaviours.get(target)
            if behaviour is None or behaviour.collection is None or behaviour.kind.startswith("doc_"):
                raise KeyError(f"{target!r} is not an operation on a stored collection")
            path = _fill(behaviour.collection, path_params)
        id_field = behaviour.id_field if behaviour else "id"
        key = behaviour.key if behaviour else None
        return [self._store_item(path, dict(item), id_field, key, behaviour) for item in items]

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
            if fault is not None and (injected := await self._fault_response(fault, None, None)) is not None:
                response: Response = injected
            else:
                body = self.auth.issue_token(parse_basic(request.headers.get("authorization")), form)
                response = JSONResponse(body, headers={"Cache-Control": "no-store"})
                if fault is not None:
                    response = self._mangle(fault, response, "application/json")
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
            if fault is not None and (injected := await self._fault_response(fault, None, None)) is not None:
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
    async def _api_endpoint(self, request: Request) -> Response:
        op: SpecOperation | None = None
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
            media_type = self._negotiate(op, request.headers.get("accept", ""))
            params = self._validate(op, raw_params, request, body, bool(raw))
            fault = self.faults.take(op.operation_id)
            if fault is not None and (injected := await self._fault_response(fault, op, media_type)) is not None:
                response = injected
            else:
                status, payload = self._handle(op, request, params, body)
                if params.get("envelope") is True:
                    # Atlas's envelope=true: always 200, the real status inside (for clients that hide statuses).
                    status, payload = 200, {"status": status, "content": payload}
                response = _json_response(status, payload, media_type)
                if fault is not None:
                    response = self._mangle(fault, response, media_type)
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

    def _negotiate(self, op: SpecOperation, accept: str) -> str | None:
        if not op.versions:
            return op.success_media_type
        for candidate in accept.split(","):
            media_type = candidate.split(";")[0].strip().lower()
            if media_type in op.versions:
                return media_type
        wanted = ", ".join(sorted(op.versions))
        raise ApiProblem(
            406,
            "INVALID_VERSION_DATE",
            f"The Accept header {accept!r} names no version of {op.operation_id}; use one of: {wanted}.",
        )

    def _validate(
        self, op: SpecOperation, raw_params: dict[str, str], request: Request, body: Any, has_body: bool
    ) -> dict[str, Any]:
        fields: list[dict[str, str]] = []
        values: dict[str, Any] = {}
        for param in op.path_params:
            value = raw_params.get(param.name, "")  # the ASGI path is already percent-decoded
            values[param.name] = self._check_param(param, [value], fields)
        for param in op.query_params:
            given = request.query_params.getlist(param.name)
            if not given:
                if param.required:
                    fields.append({"field": param.name, "description": "is required"})
                elif "default" in param.schema:
                    values[param.name] = param.schema["default"]
                continue
            values[param.name] = self._check_param(param, given, fields)
        if op.body_validator is not None:
            if not has_body:
                if op.body_required:
                    fields.append({"field": "body", "description": "a request body is required"})
            else:
                fields.extend(_body_errors(op.body_validator, body))
        if fields:
            detail = "; ".join(f"{f['field']}: {f['description']}" for f in fields)
            raise ApiProblem(400, "VALIDATION_ERROR", f"Invalid request: {detail}", fields)
        return values

    @staticmethod
    def _check_param(param: Parameter, given: list[str], fields: list[dict[str, str]]) -> Any:
        kind = param.schema.get("type")
        try:
            if kind == "array":
                item_kind = param.schema.get("items", {}).get("type")
                parts = [p for g in given for p in g.split(",")]
                value: Any = [_coerce(item_kind, p) for p in parts]
            else:
                value = _coerce(kind, given[-1])
        except ValueError:
            fields.append({"field": param.name, "description": f"must be of type {kind}"})
            return None
        if param.validator is not None:
            error = best_match(param.validator.iter_errors(value))
            if error is not None:
                fields.append({"field": param.name, "description": error.message})
        return value

    # --- behaviours ---------------------------------------------------------------------------------
    def _handle(self, op: SpecOperation, request: Request, params: dict[str, Any], body: Any) -> tuple[int, Any]:
        behaviour = self.behaviours[op.operation_id]
        if behaviour.kind == "example":
            return op.success_status, op.example if op.has_example else None
        path = _fill(behaviour.collection or op.path, params)
        if behaviour.kind.startswith("doc_"):
            document = self.store.documents.get(path)
            if document is None:
                # A single document exists from the start; begin from what the spec documents.
                getter = next(o for o in self.spec.operations if o.path == op.path and o.method == "GET")
                document = dict(getter.example) if isinstance(getter.example, dict) else {}
            if behaviour.kind == "doc_update" and isinstance(body, dict):
                document = {**document, **body}
            elif behaviour.kind == "doc_replace" and isinstance(body, dict):
                document = dict(body)
            self.store.documents[path] = document
            return op.success_status, document
        item_key = str(params.get(behaviour.key, "")) if behaviour.key else ""
        if behaviour.initial and path not in self.store.collections:
            self._fill_from_example(path, behaviour)
        if behaviour.kind == "list":
            return op.success_status, self._listing(op, request, params, self.store.list(path))
        if behaviour.kind == "create":
            created = []
            for item in body if isinstance(body, list) else [body]:
                if not isinstance(item, dict):
                    continue
                # The server owns ids and links; a client cannot choose them.
                fresh = {k: v for k, v in item.items() if k not in (behaviour.id_field, "links")}
                name = fresh.get(behaviour.key) if behaviour.key else None
                if name is not None and self.store.get(path, str(name), behaviour.key) is not None:
                    raise ApiProblem(
                        409, "DUPLICATE_RESOURCE", f"A resource with {behaviour.key} {name!r} already exists."
                    )
                created.append(self._store_item(path, fresh, behaviour.id_field, behaviour.key, behaviour, request))
            schema = op.response_schema or {}
            if "results" in schema.get("properties", {}) or schema.get("type") == "array":
                return op.success_status, self._listing(op, request, params, self.store.list(path))
            return op.success_status, created[0] if created else None
        item = self.store.get(path, item_key, behaviour.key)
        if item is None:
            raise ApiProblem(404, "RESOURCE_NOT_FOUND", f"No resource with {behaviour.key} {item_key!r} exists.")
        if behaviour.kind == "get":
            return op.success_status, item
        if behaviour.kind == "delete":
            self.store.delete(path, item_key, behaviour.key)
            return op.success_status, None if op.success_status == 204 else ({} if op.response_schema else None)
        if isinstance(body, dict):
            kept: dict[str, Any] = {f: item[f] for f in ("_id", "id", "links") if f in item}
            if behaviour.kind == "replace":
                item.clear()
            item.update(body)
            item.update(kept)
        return op.success_status, item

    def _fill_from_example(self, path: str, behaviour: Behaviour) -> None:
        # Without a create operation the collection could only ever be empty; start from what the spec documents.
        example = self.spec.by_id[behaviour.initial or ""].example
        items = example.get("results", []) if isinstance(example, dict) else example
        self.store.collections[path] = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                self.store.put(path, item, id_field=behaviour.id_field, key=behaviour.key)

    def _store_item(
        self,
        path: str,
        item: dict[str, Any],
        id_field: str | None,
        key: str | None,
        behaviour: Behaviour | None,
        request: Request | None = None,
    ) -> dict[str, Any]:
        if id_field and not item.get(id_field):
            item[id_field] = new_object_id()
        if behaviour is not None and behaviour.links and "links" not in item:
            ident = item.get(key) if key and key in item else item.get(id_field or "id", "")
            base = (
                f"{request.url.scheme}://{request.url.netloc}" if request is not None else "https://cloud.mongodb.com"
            )
            item["links"] = [{"rel": "self", "href": f"{base}{path}/{ident}"}]
        return self.store.put(path, item, id_field=id_field, key=key)

    def _listing(self, op: SpecOperation, request: Request, params: dict[str, Any], items: list[dict[str, Any]]) -> Any:
        schema = op.response_schema or {}
        if schema.get("type") == "array" or "results" not in schema.get("properties", {"results": None}):
            return items
        per_page = int(params.get("itemsPerPage") or 100)
        page = int(params.get("pageNum") or 1)
        start = (page - 1) * per_page
        url = request.url
        links = [{"rel": "self", "href": str(url)}]
        if page > 1:
            links.insert(0, {"rel": "previous", "href": str(url.include_query_params(pageNum=page - 1))})
        if start + per_page < len(items):
            links.append({"rel": "next", "href": str(url.include_query_params(pageNum=page + 1))})
        listing: dict[str, Any] = {"links": links, "results": items[start : start + per_page]}
        if params.get("includeCount", True) is not False:
            listing["totalCount"] = len(items)
        return listing

    # --- faults -------------------------------------------------------------------------------------
    async def _fault_response(self, fault: Fault, op: SpecOperation | None, media_type: str | None) -> Response | None:
        """The response replacing the normal one, or None when the normal one should be produced."""
        if fault.latency:
            await asyncio.sleep(fault.latency)
        if fault.kind == "error":
            status = fault.status or 503
            response = JSONResponse(
                atlas_error(status, fault.atlas_error_code, f"Injected fault: HTTP {status}."), status_code=status
            )
            if fault.retry_after is not None:
                response.headers["Retry-After"] = fault.retry_after
            return response
        if fault.kind == "html":
            page = "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
            return HTMLResponse(page, status_code=fault.status or 200)
        if fault.kind == "wrong_shape":
            status = fault.status or (op.success_status if op else 200)
            return _json_response(
                status if status != 204 else 200, {"unexpected": True, "results": "not-a-list"}, media_type
            )
        return None

    def _mangle(self, fault: Fault, response: Response, media_type: str | None) -> Response:
        body = bytes(response.body)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        status = response.status_code if response.status_code != 204 else 200
        if fault.kind == "truncated_json":
            body = body or b'{"results": [{"id": 1}]}'
            return Response(body[: max(1, len(body) // 2)], status_code=status, headers=headers)
        if fault.kind == "large_body":
            payload = json.loads(body) if body else {}
            if not isinstance(payload, dict):
                payload = {"results": payload}
            payload["padding"] = "x" * fault.size
            return _json_response(status, payload, media_type)
        if fault.kind == "disconnect":
            return _DroppedResponse(body or b'{"results": []}', status, headers)
        return response

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

    def _template_regex(self, template: str) -> re.Pattern[str]:
        return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


class _DroppedResponse(Response):
    """Promises the whole body, sends half of it, then aborts (`Fault.disconnect`)."""

    def __init__(self, full_body: bytes, status: int, headers: Mapping[str, str]) -> None:
        super().__init__(status_code=status, headers=headers)
        self.full_body = full_body
        self.headers["content-length"] = str(len(full_body))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(
            {"type": "http.response.body", "body": self.full_body[: len(self.full_body) // 2], "more_body": True}
        )
        raise InjectedDisconnect("FakeAtlas dropped the connection mid-response (injected fault)")


def _json_response(status: int, payload: Any, media_type: str | None) -> Response:
    if status == 204 or (payload is None and status != 200):
        return Response(status_code=status, headers={"Content-Type": media_type} if media_type else None)
    content = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type=media_type or "application/json")


def _body_errors(validator: Any, body: Any) -> list[dict[str, str]]:
    fields = []
    for error in validator.iter_errors(body):
        if error.validator == "oneOf":
            discriminator = (error.schema or {}).get("discriminator") if isinstance(error.schema, dict) else None
            if discriminator and isinstance(error.instance, dict):
                name = discriminator.get("propertyName", "")
                mapping = sorted(discriminator.get("mapping", {}))
                field = ".".join([*map(str, error.absolute_path), name])
                fields.append({"field": field, "description": f"must be one of: {', '.join(mapping)}"})
                continue
            if error.context:
                error = best_match(error.context)
        location = [str(p) for p in error.absolute_path]
        if error.validator == "required" and isinstance(error.instance, dict):
            missing = [p for p in error.validator_value if p not in error.instance]
            for name in missing:
                fields.append({"field": ".".join([*location, name]), "description": "is required"})
            continue
        fields.append({"field": ".".join(location) or "body", "description": error.message})
    return fields


def _coerce(kind: str | None, raw: str) -> Any:
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        lowered = raw.lower()
        if lowered not in ("true", "false"):
            raise ValueError(raw)
        return lowered == "true"
    return raw


def _fill(template: str, params: Mapping[str, Any]) -> str:
    return re.sub(r"\{([^}/]+)\}", lambda m: urllib.parse.quote(str(params.get(m.group(1), "")), safe=""), template)


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
