"""The typed facade does not offer `envelope` or `pretty` (issue #13): they change only the answer's form.

`envelope=true` wraps every answer (and its status) in another shape, which the documented models cannot
parse; `pretty=true` only adds whitespace. The generated ``_get_kwargs`` keeps them for direct callers.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect

import pytest
from atlas_admin_api._operations import OPERATIONS
from atlas_admin_api.api import TAGS, AtlasOperations

OMITTED = {"envelope", "pretty"}


def _facade_methods() -> list[tuple[str, str, object]]:
    facade = AtlasOperations(runner=None)  # type: ignore[arg-type]
    methods = []
    for tag in TAGS:
        group = getattr(facade, tag)
        for name, method in inspect.getmembers(group, inspect.ismethod):
            # (an official-name alias is the same function under a second name: counted once, by its own name)
            if not name.startswith("_") and name == method.__name__:
                methods.append((tag, name, method))
    return methods


METHODS = _facade_methods()


def test_every_operation_has_a_facade_method() -> None:
    # (Renamed operations also keep their former names as aliases.)
    assert set(OPERATIONS) <= {name for _, name, _ in METHODS}


@pytest.mark.parametrize(("tag", "name", "method"), METHODS, ids=[f"{t}.{n}" for t, n, _ in METHODS])
def test_facade_methods_take_neither_envelope_nor_pretty(tag: str, name: str, method: object) -> None:
    parameters = inspect.signature(method).parameters  # type: ignore[arg-type]
    assert OMITTED.isdisjoint(parameters), f"{tag}.{name}"
    assert not any(word in (inspect.getdoc(method) or "") for word in ("envelope (", "pretty ("))


def test_the_generated_request_builders_still_take_them() -> None:
    documented = [key for key, op in OPERATIONS.items() if {q[0] for q in op.query_params} & OMITTED]
    assert documented, "the spec documents envelope/pretty on its operations"
    for key in documented:
        op = OPERATIONS[key]
        module = next(
            importlib.import_module(f"atlas_admin_api.api.{package}.{key}")
            for package in _packages()
            if importlib.util.find_spec(f"atlas_admin_api.api.{package}.{key}") is not None
        )
        taken = set(inspect.signature(module._get_kwargs).parameters)
        assert {q[1] for q in op.query_params if q[0] in OMITTED} <= taken, key


def _packages() -> list[str]:
    import pkgutil

    import atlas_admin_api.api as api

    return [info.name for info in pkgutil.iter_modules(api.__path__) if info.ispkg]
