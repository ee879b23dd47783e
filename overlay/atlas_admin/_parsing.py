"""Parsing a 2xx body: lenient by default, strict on request (issue #13).

Real Atlas answers differ from the documented shape (a required field left out, another JSON type under the
same media-type version, null where no null is documented). The generated models parse the documented shape
first and keep whatever does not fit as received, recording a `Deviation` on the model (see
``atlas_admin_api.types``). Here the client decides what a deviation means:

* lenient (the default): the call returns the parsed answer; each deviation is logged once per client,
  operation and field path as a WARNING on the ``atlas_admin`` logger;
* strict (``AtlasClient(strict=True)``, ``with_options(strict=True)``): the first deviation raises
  `AtlasResponseError` with its JSON path (``$.results[3].roles``).

Either way, a body that is not JSON, or whose top level is of another kind than documented (a list where an
object is documented), raises `AtlasResponseError`.
"""

from __future__ import annotations

import functools
import json
import logging
import operator
import re
import typing
from collections.abc import Callable
from typing import Any

import httpx
from atlas_admin_api.types import (
    Deviation,
    converter_for,
    drifted_models,
    find_deviations,
    json_kind,
)

from . import _constants as C
from ._errors import AtlasResponseError

__all__ = ["Deviation", "find_deviations", "parse_success", "parse_with_deviations"]

logger = logging.getLogger(C.LOGGER_NAME)

_ARRAY_START = re.compile(rb"\s*\[")
_LIST_INDEX = re.compile(r"\[\d+\]")

# The converter for each operation's documented success body, by the generated parse function.
_SUCCESS: dict[Callable[..., Any], tuple[Callable[[Any, str, list[Deviation]], Any], str] | None] = {}


def parse_with_deviations(
    response: httpx.Response, parse: Callable[..., Any], *, client: Any
) -> tuple[Any, list[Deviation]]:
    """Parse ``response`` (a 2xx with a JSON body) with the generated ``parse``; also say where it differs from the spec.

    Raises `AtlasResponseError` for a body that is not JSON or whose top level is of another kind than documented.
    """
    drifted: list[Any] = []
    token = drifted_models.set(drifted)
    try:
        top: list[Deviation] = []
        try:
            result = parse(client=client, response=response)
        except json.JSONDecodeError as exc:
            raise AtlasResponseError.from_response(response, f"the body is not valid JSON ({exc.msg})") from None
        except Exception as exc:
            # Only the top level of the body can make the generated parser raise (models below it keep what does
            # not fit): parse it again with the documented success type, which tells which case it is.
            result = _reparse(response, parse, exc, top)
        else:
            if isinstance(result, list) and not _ARRAY_START.match(response.content):
                # The generated loop over a list reads {} or "" as an empty list: the top level is not an array.
                raise AtlasResponseError.from_response(
                    response,
                    f"the body does not have the documented shape: expected an array, received {json_kind(response.json())}",
                    json_path="$",
                )
    finally:
        drifted_models.reset(token)
    if not drifted and not top:
        return result, []
    # (Models tried as one member of a plain union and then not used leave nothing to find.)
    return result, top + find_deviations(result)


def parse_success(
    response: httpx.Response,
    parse: Callable[..., Any],
    *,
    client: Any,
    operation_id: str,
    strict: bool,
    warned: set[tuple[str, str]],
) -> Any:
    """Parse ``response`` (a 2xx with a JSON body) with the generated ``parse``; apply the strictness policy."""
    result, deviations = parse_with_deviations(response, parse, client=client)
    if not deviations:
        return result
    if strict:
        first = deviations[0]
        more = f" (and {len(deviations) - 1} more)" if len(deviations) > 1 else ""
        raise AtlasResponseError.from_response(
            response,
            f"the body does not have the documented shape: expected {first.expected}, received {first.received}{more}",
            json_path=first.path,
        )
    for deviation in deviations:
        key = (operation_id, _LIST_INDEX.sub("[]", deviation.path))
        if key in warned or len(warned) >= C.MAX_DEVIATION_WARNINGS:
            continue
        warned.add(key)
        logger.warning(
            "%s: the answer differs from the documented shape at %s: expected %s, received %s "
            "(kept as received; logged once per operation and path)",
            operation_id,
            deviation.path,
            deviation.expected,
            deviation.received,
        )
    return result


def _reparse(response: httpx.Response, parse: Callable[..., Any], error: Exception, found: list[Deviation]) -> Any:
    success = _success_converter(parse)
    try:
        data = response.json()
    except json.JSONDecodeError as exc:
        raise AtlasResponseError.from_response(response, f"the body is not valid JSON ({exc.msg})") from None
    except Exception as exc:  # e.g. RecursionError on a deeply nested body
        raise AtlasResponseError.from_response(response, f"the body cannot be decoded ({type(exc).__name__})") from None
    if success is None:
        raise AtlasResponseError.from_response(
            response, f"the body does not have the documented shape ({type(error).__name__}: {error})"
        ) from None
    convert, expected = success
    received = json_kind(data)
    if expected in ("object", "array") and received != expected:
        raise AtlasResponseError.from_response(
            response,
            f"the body does not have the documented shape: expected an {expected}, received {received}",
            json_path="$",
        )
    try:
        return convert(data, "$", found)
    except Exception as exc:
        raise AtlasResponseError.from_response(
            response, f"the body does not have the documented shape ({type(exc).__name__}: {exc})", json_path="$"
        ) from None


def _success_converter(parse: Callable[..., Any]) -> tuple[Callable[[Any, str, list[Deviation]], Any], str] | None:
    """The converter for the documented success body of the operation ``parse`` belongs to (cached)."""
    if parse in _SUCCESS:
        return _SUCCESS[parse]
    found = None
    try:
        returned = typing.get_type_hints(parse).get("return")
    except Exception:  # an annotation that does not resolve: no converter, the error stays the parser's
        returned = None
    if returned is not None:
        # `_parse_response` returns the success type, the error model of the documented error statuses, or None.
        candidates = typing.get_args(returned) or (returned,)
        members = [m for m in candidates if m is not type(None) and getattr(m, "__name__", "") != "ApiError"]
        if members:
            found = converter_for(functools.reduce(operator.or_, members))
    _SUCCESS[parse] = found
    return found
