"""Schema-synthesized values: what FakeAtlas answers when the spec documents no example.

The value is deterministic (the same schema always gives the same value) and valid against its schema:
it honours ``required``, ``enum``, ``format``, ``pattern``, length and range bounds, ``nullable``, and
discriminators (the first mapping entry, with the discriminating property set to its key). Optional
properties are filled near the top of the document and left out deeper down, so that answers stay small.
"""

from __future__ import annotations

import copy
import datetime
from typing import TYPE_CHECKING, Any

from ._patterns import matches, sample_for

if TYPE_CHECKING:
    from ._spec import Spec

# Optional properties are synthesized down to this nesting depth; required ones always are.
OPTIONAL_PROPERTY_DEPTH = 3
# A hard stop for self-referencing schemas that are required all the way down (none in Atlas today).
MAX_DEPTH = 24
FIXED_DATE_TIME = "2024-01-01T00:00:00Z"
_FORMATS = {
    "date-time": FIXED_DATE_TIME,
    "date": "2024-01-01",
    "email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "password": "password1",
    "hostname": "host.example.com",
    "ipv4": "192.0.2.1",
}
_OMIT = object()  # a property whose schema loops back on itself: leave it out


class Synthesizer:
    """Builds example values from the schemas of one `Spec`."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self._cache: dict[tuple[int, bool], Any] = {}

    def value(self, schema: Any, *, for_request: bool = False) -> Any:
        """A value valid against ``schema``; ``for_request`` leaves readOnly properties out (else writeOnly)."""
        key = (id(schema), for_request)
        if key not in self._cache:
            # Keep the schema alive with the cached value: the key is its id().
            result = self._value(schema, (), 0, for_request, frozenset())
            self._cache[key] = (schema, None if result is _OMIT else result)
        return copy.deepcopy(self._cache[key][1])

    @staticmethod
    def now(clock_seconds: float) -> str:
        """``clock_seconds`` as the ISO 8601 UTC timestamp Atlas writes."""
        moment = datetime.datetime.fromtimestamp(clock_seconds, tz=datetime.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    # --- the walk -----------------------------------------------------------------------------------
    def _value(
        self, schema: Any, refs: tuple[str, ...], depth: int, for_request: bool, dispatched: frozenset[int]
    ) -> Any:
        if depth > MAX_DEPTH:
            return _OMIT
        if isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if ref in refs:
                return _OMIT
            return self._value(self.spec.lookup(ref), (*refs, ref), depth, for_request, dispatched)
        if not isinstance(schema, dict):
            return None
        for documented in ("example", "default"):
            if documented in schema and self._scalar_fits(schema[documented], schema):
                return copy.deepcopy(schema[documented])
        if schema.get("enum"):
            return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
        discriminator = schema.get("discriminator")
        if isinstance(discriminator, dict) and id(schema) not in dispatched:
            chosen = self._discriminated(schema, discriminator, refs, depth, for_request, dispatched)
            if chosen is not _OMIT:
                return self._with_siblings(chosen, schema, refs, depth, for_request, dispatched)
        for combinator in ("oneOf", "anyOf"):
            if schema.get(combinator):
                return self._one_of(schema, schema[combinator], refs, depth, for_request, dispatched)
        if "allOf" in schema:
            return self._all_of(schema, refs, depth, for_request, dispatched)
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if kind == "object":
            return self._object(schema, refs, depth, for_request, dispatched)
        if kind == "array":
            return self._array(schema, refs, depth, for_request, dispatched)
        if kind == "integer":
            return int(self._number(schema, integer=True))
        if kind == "number":
            return float(self._number(schema, integer=False))
        if kind == "boolean":
            return False
        if kind == "string":
            return self._string(schema)
        return None

    def _discriminated(
        self,
        schema: dict[str, Any],
        discriminator: dict[str, Any],
        refs: tuple[str, ...],
        depth: int,
        for_request: bool,
        dispatched: frozenset[int],
    ) -> Any:
        name = discriminator.get("propertyName", "")
        mapping = discriminator.get("mapping") or {}
        dispatched = dispatched | {id(schema)}
        if mapping:
            tag, target = next(iter(mapping.items()))
        else:
            branches = schema.get("oneOf") or schema.get("anyOf") or []
            if not branches or "$ref" not in branches[0]:
                return _OMIT
            target = branches[0]["$ref"]
            tag = target.rsplit("/", 1)[-1]
        variant = self._value({"$ref": target}, refs, depth, for_request, dispatched)
        if not isinstance(variant, dict):
            return _OMIT
        variant[name] = tag
        return variant

    def _one_of(
        self,
        schema: dict[str, Any],
        branches: list[Any],
        refs: tuple[str, ...],
        depth: int,
        for_request: bool,
        dispatched: frozenset[int],
    ) -> Any:
        # The first branch whose value (with the properties beside oneOf) is valid against the whole schema:
        # without a discriminator an early branch can be so loose that later ones match it too.
        first: Any = _OMIT
        for branch in branches:
            candidate = self._value(branch, refs, depth, for_request, dispatched)
            if candidate is _OMIT:
                continue
            candidate = self._with_siblings(candidate, schema, refs, depth, for_request, dispatched)
            if first is _OMIT:
                first = candidate
                if len(branches) == 1:
                    break
            if self._is_valid(schema, candidate):
                return candidate
        return first

    def _with_siblings(
        self,
        value: Any,
        schema: dict[str, Any],
        refs: tuple[str, ...],
        depth: int,
        for_request: bool,
        dispatched: frozenset[int],
    ) -> Any:
        """``value`` plus the properties declared beside oneOf/anyOf/discriminator (they apply too)."""
        if not isinstance(value, dict) or not ("properties" in schema or "required" in schema):
            return value
        siblings = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator", "allOf")}
        shared = self._object(siblings, refs, depth, for_request, dispatched | {id(schema)})
        return {**shared, **value}

    def _is_valid(self, schema: dict[str, Any], value: Any) -> bool:
        try:
            return bool(self.spec.schema_validator(schema).is_valid(value))
        except RecursionError:
            return False

    def _all_of(
        self, schema: dict[str, Any], refs: tuple[str, ...], depth: int, for_request: bool, dispatched: frozenset[int]
    ) -> Any:
        merged: dict[str, Any] = {}
        other: Any = None
        parts = list(schema["allOf"])
        if "properties" in schema or "required" in schema:
            parts.append({k: v for k, v in schema.items() if k != "allOf"})
        for part in parts:
            value = self._value(part, refs, depth, for_request, dispatched)
            if isinstance(value, dict):
                merged.update(value)
            elif value is not _OMIT and value is not None:
                other = value
        return merged if merged or other is None else other

    def _object(
        self, schema: dict[str, Any], refs: tuple[str, ...], depth: int, for_request: bool, dispatched: frozenset[int]
    ) -> dict[str, Any]:
        required = set(schema.get("required", []))
        result: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            resolved = self.spec.resolve(sub)
            # Answers leave writeOnly properties out, requests readOnly ones, unless the schema requires
            # them: Atlas answers with a database user's groupId, which the document marks writeOnly.
            hidden = isinstance(resolved, dict) and resolved.get("readOnly" if for_request else "writeOnly")
            if hidden and name not in required:
                continue
            if name not in required and depth >= OPTIONAL_PROPERTY_DEPTH:
                continue
            value = self._value(sub, refs, depth + 1, for_request, dispatched)
            if value is _OMIT:
                if name in required:
                    value = {} if isinstance(resolved, dict) and resolved.get("type") == "object" else None
                else:
                    continue
            if value is None and name not in required and not (isinstance(resolved, dict) and resolved.get("nullable")):
                continue
            result[name] = value
        return result

    def _array(
        self, schema: dict[str, Any], refs: tuple[str, ...], depth: int, for_request: bool, dispatched: frozenset[int]
    ) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        count = max(low, 1 if depth < OPTIONAL_PROPERTY_DEPTH else 0)
        if high is not None:
            count = min(count, int(high))
        if count == 0:
            return []
        item = self._value(schema.get("items", {}), refs, depth + 1, for_request, dispatched)
        if item is _OMIT or (item is None and low == 0):
            return []
        if schema.get("uniqueItems") and count > 1 and isinstance(item, (int, float)):
            return [item + i for i in range(count)]
        return [copy.deepcopy(item) for _ in range(count)]

    @staticmethod
    def _number(schema: dict[str, Any], *, integer: bool) -> float:
        value: float = 0
        if "minimum" in schema:
            value = schema["minimum"]
            if schema.get("exclusiveMinimum") is True:
                value += 1 if integer else 0.5
        if "maximum" in schema and value > schema["maximum"]:
            value = schema["maximum"] - (1 if schema.get("exclusiveMaximum") is True else 0)
        return value

    @staticmethod
    def _string(schema: dict[str, Any]) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if "pattern" in schema:
            sample = sample_for(schema["pattern"], low, high)
            if sample is not None:
                return sample
        value = _FORMATS.get(schema.get("format", ""), "string")
        value = value + "x" * max(0, low - len(value))
        return value[:high] if high is not None else value

    def _scalar_fits(self, value: Any, schema: dict[str, Any]) -> bool:
        """Whether a documented scalar ``example``/``default`` is valid for ``schema`` (examples often are not)."""
        kind = schema.get("type")
        if isinstance(value, bool):
            return kind == "boolean"
        if isinstance(value, int):
            return kind in ("integer", "number") and _in_range(value, schema)
        if isinstance(value, float):
            return kind == "number" and _in_range(value, schema)
        if isinstance(value, str):
            if kind != "string" or (schema.get("enum") and value not in schema["enum"]):
                return False
            if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
                return False
            if schema.get("format") == "date-time" and "T" not in value:
                return False
            return "pattern" not in schema or matches(schema["pattern"], value)
        return False


def _in_range(value: float, schema: dict[str, Any]) -> bool:
    return bool(schema.get("minimum", value) <= value <= schema.get("maximum", value))
