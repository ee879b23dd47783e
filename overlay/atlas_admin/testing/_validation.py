"""Checking a request against the spec: versioned media types, path and query parameters, the body."""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from starlette.datastructures import QueryParams

from ._responses import ApiProblem
from ._spec import VERSIONED_MEDIA_TYPE, Parameter, Spec, SpecOperation


def negotiate(op: SpecOperation, accept: str) -> str | None:
    """The media type to answer ``op`` with, given the Accept header; 406 when it names none of its versions."""
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


def request_media_type(op: SpecOperation, content_type: str, answer_media_type: str | None) -> str | None:
    """The request media type the body is checked against; 415 for a versioned type the operation lacks.

    A plain ``application/json`` body is read as the version the client asked to be answered in
    (or the first documented one), as Atlas does.
    """
    sent = content_type.split(";")[0].strip().lower()
    if not op.request_media_types:
        return None
    if sent in op.request_media_types:
        return sent
    if VERSIONED_MEDIA_TYPE.match(sent):
        wanted = ", ".join(op.request_media_types)
        raise ApiProblem(
            415,
            "INVALID_VERSION_DATE",
            f"The Content-Type {sent!r} is not a version of {op.operation_id}'s request; use one of: {wanted}.",
        )
    if answer_media_type in op.request_media_types:
        return answer_media_type
    return op.request_media_types[0]


def validate(
    spec: Spec,
    op: SpecOperation,
    raw_params: dict[str, str],
    query: QueryParams,
    body: Any,
    has_body: bool,
    body_media_type: str | None,
) -> dict[str, Any]:
    """The typed path and query parameters of a request; 400 VALIDATION_ERROR listing every bad field."""
    fields: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    for param in op.path_params:
        value = raw_params.get(param.name, "")  # the ASGI path is already percent-decoded
        values[param.name] = check_param(param, [value], fields)
    for param in op.query_params:
        given = query.getlist(param.name)
        if not given:
            if param.required:
                fields.append({"field": param.name, "description": "is required"})
            elif "default" in param.schema:
                values[param.name] = param.schema["default"]
            continue
        values[param.name] = check_param(param, given, fields)
    validator = spec.body_validator(op, body_media_type)
    if validator is not None:
        if not has_body:
            if op.body_required:
                fields.append({"field": "body", "description": "a request body is required"})
        else:
            fields.extend(body_errors(validator, body))
    if fields:
        detail = "; ".join(f"{f['field']}: {f['description']}" for f in fields)
        raise ApiProblem(400, "VALIDATION_ERROR", f"Invalid request: {detail}", fields)
    return values


def check_param(param: Parameter, given: list[str], fields: list[dict[str, str]]) -> Any:
    """``given`` converted to the parameter's type and checked against its schema (errors go to ``fields``)."""
    kind = param.schema.get("type")
    try:
        if kind == "array":
            item_kind = param.schema.get("items", {}).get("type")
            parts = [p for g in given for p in g.split(",")]
            value: Any = [coerce(item_kind, p) for p in parts]
        else:
            value = coerce(kind, given[-1])
    except ValueError:
        fields.append({"field": param.name, "description": f"must be of type {kind}"})
        return None
    if param.validator is not None:
        error = best_match(param.validator.iter_errors(value))
        if error is not None:
            fields.append({"field": param.name, "description": error.message})
    return value


def body_errors(validator: Any, body: Any) -> list[dict[str, str]]:
    """Atlas's ``badRequestDetail.fields`` for a body: one entry per problem, named by its dotted path."""
    fields = []
    try:
        errors = list(validator.iter_errors(body))
    except RecursionError:  # a schema that refers to itself without end: nothing to report against
        return []
    for error in errors:
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


def coerce(kind: str | None, raw: str) -> Any:
    """A query/path string as the JSON type its schema names (ValueError when it is not one)."""
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
