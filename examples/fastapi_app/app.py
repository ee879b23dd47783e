"""A small FastAPI service that talks to Atlas through atlas-admin.

* one `AtlasClient` for the whole app, opened and closed in the lifespan;
* routes receive it through ``Depends(get_atlas)``;
* Atlas errors become sensible HTTP answers for *this* service's callers (`atlas_error_response`).

Run it: ``MONGODB_ATLAS_CLIENT_ID=... MONGODB_ATLAS_CLIENT_SECRET=... uvicorn fastapi_app.app:app``.
The SDK comes from ``fastapi_app/_vendor`` when you vendored it there (``make vendor
DEST=fastapi_app/_vendor``), otherwise from the installed ``atlas_admin``.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Body, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

# The vendored copy wins when present; if it is present but broken, fail loudly rather than fall back.
if __package__ and importlib.util.find_spec(f"{__package__}._vendor") is not None:
    sdk = importlib.import_module(f"{__package__}._vendor.atlas_admin")
    models = importlib.import_module(f"{__package__}._vendor.atlas_admin.models")
    sdk_types = importlib.import_module(f"{__package__}._vendor.atlas_admin_api.types")
else:
    import atlas_admin as sdk
    import atlas_admin.models as models
    import atlas_admin_api.types as sdk_types


@dataclass
class Settings:
    """Where and how to reach Atlas; `from_env` reads the SDK's usual ``MONGODB_ATLAS_*`` variables."""

    base_url: str = "https://cloud.mongodb.com"
    credentials: dict[str, str] = field(default_factory=dict)  # AtlasClient keyword arguments
    max_retries: int = 2
    timeout: float = 30.0

    @classmethod
    def from_env(cls) -> Settings:
        names = {"client_id": "CLIENT_ID", "client_secret": "CLIENT_SECRET", "access_token": "ACCESS_TOKEN"}
        credentials = {
            k: os.environ[f"MONGODB_ATLAS_{v}"] for k, v in names.items() if os.environ.get(f"MONGODB_ATLAS_{v}")
        }
        return cls(base_url=os.environ.get("MONGODB_ATLAS_BASE_URL", cls.base_url), credentials=credentials)


def create_app(settings: Settings | None = None, *, http_client: httpx.AsyncClient | None = None) -> FastAPI:
    """The app; tests pass ``http_client`` (e.g. one over ``httpx.ASGITransport(app=FakeAtlas())``)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        config = settings or Settings.from_env()
        async with sdk.AtlasClient(
            base_url=config.base_url,
            http_client=http_client,
            max_retries=config.max_retries,
            timeout=config.timeout,
            user_agent_suffix="fastapi-example",
            **config.credentials,
        ) as atlas:
            app.state.atlas = atlas
            yield

    app = FastAPI(title="export buckets", lifespan=lifespan)
    app.add_exception_handler(sdk.AtlasError, atlas_error_response)  # type: ignore[arg-type]
    app.add_exception_handler(sdk.InvalidArgumentError, invalid_argument_response)  # type: ignore[arg-type]
    app.include_router(router)
    return app


def get_atlas(request: Request) -> Any:
    """The app's one AtlasClient (``Depends(get_atlas)``)."""
    return request.app.state.atlas


Atlas = Annotated[Any, Depends(get_atlas)]


class BucketIn(BaseModel):
    provider: Literal["AWS", "AZURE", "GCP"]
    bucket_name: str = Field(min_length=3, max_length=63)
    role_id: str
    service_url: str | None = None  # Azure only


def bucket_out(bucket: Any) -> dict[str, Any]:
    match bucket:
        case models.ExportBucketAWS(field_id=id_, bucket_name=name):
            return {"id": id_, "provider": "AWS", "name": name, "url": f"s3://{name}"}
        case models.ExportBucketAzure(field_id=id_, bucket_name=name, service_url=url):
            return {"id": id_, "provider": "AZURE", "name": name, "url": f"{url}/{name}"}
        case models.ExportBucketGCP(field_id=id_, bucket_name=name):
            return {"id": id_, "provider": "GCP", "name": name, "url": f"gs://{name}"}
        case sdk_types.UnknownVariant(discriminator=provider, raw=raw):  # newer than this SDK: pass it on
            return {"id": raw.get("_id"), "provider": provider, "name": raw.get("bucketName"), "url": None}
    raise TypeError(f"not an export bucket: {bucket!r}")


router = APIRouter()


@router.get("/projects/{group_id}/export-buckets")
async def list_buckets(group_id: str, atlas: Atlas) -> list[dict[str, Any]]:
    """Every export bucket of the project, across Atlas's pages."""
    return [bucket_out(b) async for b in sdk.paginate(atlas.cloud_backups.list_export_buckets, group_id)]


@router.post("/projects/{group_id}/export-buckets", status_code=201)
async def create_bucket(group_id: str, bucket: BucketIn, atlas: Atlas) -> dict[str, Any]:
    """Create an export bucket; the request variant is chosen by provider."""
    request: Any
    if bucket.provider == "AWS":
        request = models.ExportBucketRequestAWS(bucket_name=bucket.bucket_name, iam_role_id=bucket.role_id)
    elif bucket.provider == "AZURE":
        request = models.ExportBucketRequestAzure(
            bucket_name=bucket.bucket_name, role_id=bucket.role_id, service_url=bucket.service_url or sdk_types.UNSET
        )
    else:
        request = models.ExportBucketRequestGCP(bucket_name=bucket.bucket_name, role_id=bucket.role_id)
    return bucket_out(await atlas.cloud_backups.create_export_bucket(group_id, body=request))


# SDK models work as FastAPI response models and request bodies: they validate and serialize through their
# JSON form (to_dict/from_dict), and their schema in this app's OpenAPI document is Atlas's own.
@router.get("/projects/{group_id}/roles/{role_name}", response_model=models.CustomDatabaseRole)
async def get_role(group_id: str, role_name: str, atlas: Atlas) -> Any:
    """One custom database role, as Atlas documents it."""
    return await atlas.custom_database_roles.get_custom_database_role(group_id, role_name)


@router.post("/projects/{group_id}/roles", response_model=models.CustomDatabaseRole, status_code=201)
async def create_role(group_id: str, role: Annotated[models.CustomDatabaseRole, Body()], atlas: Atlas) -> Any:
    """Create a custom database role from Atlas's own request shape (``Body()``: FastAPI takes only pydantic
    models as bodies by default)."""
    return await atlas.custom_database_roles.create_custom_database_role(group_id, body=role)


async def atlas_error_response(request: Request, exc: Exception) -> JSONResponse:
    """Map SDK errors to answers for this service's callers, never leaking Atlas credentials or details."""
    if isinstance(exc, sdk.AtlasTimeoutError):
        return JSONResponse({"detail": "Atlas did not answer in time"}, status_code=504)
    if not isinstance(exc, sdk.AtlasApiError):  # connection errors, undecodable answers
        return JSONResponse({"detail": "Atlas could not be reached"}, status_code=502)
    body: dict[str, Any] = {"detail": exc.detail or exc.reason, "atlas_error_code": exc.error_code}
    if exc.status == 404:
        return JSONResponse(body, status_code=404)
    if exc.status == 409:
        return JSONResponse(body, status_code=409)
    if exc.status == 400:
        fields = [{"field": f.field, "description": f.description} for f in exc.field_errors]
        return JSONResponse({**body, "fields": fields}, status_code=422)
    if exc.status == 429:
        retry_after = str(math.ceil(exc.retry_after)) if exc.retry_after is not None else "30"
        return JSONResponse({"detail": "Atlas is rate limiting us; try again later"}, 503, {"Retry-After": retry_after})
    if exc.status in (401, 403):
        return JSONResponse({"detail": "this service's Atlas credentials were refused"}, status_code=502)
    return JSONResponse({"detail": "Atlas failed", "atlas_status": exc.status}, status_code=502)


async def invalid_argument_response(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=422)


app = create_app()
