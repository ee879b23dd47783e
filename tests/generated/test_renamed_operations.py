"""Deprecated aliases of renamed operations (``renamed_operation`` in the generated runtime, openapi/gen_operations.py).

The facade template binds each name in openapi/templates/atlas_deprecated_names.jinja with it; the scratch-copy
update test (tests/spec/test_update_spec.py) checks a rendered alias end to end.
"""

from __future__ import annotations

import inspect
import warnings

import pytest
from atlas_admin import AtlasDeprecationWarning
from atlas_admin_api._operations import renamed_operation


class Buckets:
    async def list_export_buckets(self, group_id: str, *, page_num: int = 1) -> tuple[str, int]:
        """Return all export buckets."""
        return group_id, page_num

    list_buckets = renamed_operation(list_export_buckets, "list_buckets", "list_export_buckets")


async def test_old_name_warns_naming_the_new_one_and_calls_it() -> None:
    with pytest.warns(AtlasDeprecationWarning, match="list_buckets is deprecated.*call list_export_buckets") as caught:
        result = await Buckets().list_buckets("g1", page_num=3)
    assert result == ("g1", 3)
    assert caught[0].filename == __file__, "the warning points at the caller's line"


async def test_the_warning_can_be_made_an_error() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", AtlasDeprecationWarning)
        with pytest.raises(AtlasDeprecationWarning):
            Buckets().list_buckets("g1")


def test_alias_keeps_the_signature_and_says_what_it_is() -> None:
    assert inspect.signature(Buckets.list_buckets) == inspect.signature(Buckets.list_export_buckets)
    assert Buckets.list_buckets.__name__ == "list_buckets"
    assert Buckets.list_buckets.__qualname__ == "Buckets.list_buckets"
    assert "list_export_buckets" in (Buckets.list_buckets.__doc__ or "")


def test_the_overlay_warning_is_the_generated_one() -> None:
    import atlas_admin_api._operations as runtime

    assert runtime.AtlasDeprecationWarning is AtlasDeprecationWarning
    assert issubclass(AtlasDeprecationWarning, DeprecationWarning)
