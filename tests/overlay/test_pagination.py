"""paginate / iter_pages (atlas_admin._pagination) against scripted list calls: links, fallbacks, stops."""

from __future__ import annotations

from typing import Any

import attrs
import httpx
import pytest
from atlas_admin import AtlasClient, InvalidArgumentError, Page, iter_pages, paginate
from atlas_admin.testing import FakeAtlas
from atlas_admin_api._operations import OPERATIONS
from atlas_admin_api.types import UNSET, Unset
from spec_samples import operation_cases, tag_of


@attrs.define
class Link:
    rel: str
    href: str


@attrs.define
class Body:
    results: list[int] | Unset
    total_count: int | Unset = UNSET
    links: list[Link] | Unset = UNSET


class Server:
    """A list endpoint over ``items``; records the pageNum of each call."""

    def __init__(self, items: list[int], *, links: bool, ignore_page_num: bool = False) -> None:
        self.items = items
        self.links = links
        self.ignore_page_num = ignore_page_num
        self.calls: list[int] = []

    async def __call__(self, group_id: str, *, items_per_page: int, page_num: int, **_: Any) -> Body:
        assert group_id == "g"
        self.calls.append(page_num)
        page = 1 if self.ignore_page_num else page_num
        chunk = self.items[(page - 1) * items_per_page : page * items_per_page]
        links: list[Link] | Unset = UNSET
        if self.links:
            links = [Link("self", f"https://x/list?pageNum={page}&itemsPerPage={items_per_page}")]
            if page * items_per_page < len(self.items):
                links.append(Link("next", f"https://x/list?pageNum={page + 1}&itemsPerPage={items_per_page}"))
        return Body(results=chunk, total_count=len(self.items), links=links)


@pytest.mark.parametrize(
    ("items", "links", "ignore_page_num", "expected_calls"),
    [
        (list(range(7)), True, False, [1, 2, 3]),  # rel=next twice, then a page without next
        (list(range(6)), True, False, [1, 2]),  # an exact multiple: links say page 2 is the last
        (list(range(7)), False, False, [1, 2, 3]),  # no links: pageNum + 1 until a short page
        (list(range(6)), False, False, [1, 2, 3]),  # no links, exact multiple: one empty page ends it
        ([], True, False, [1]),
        (list(range(3)), False, True, [1, 2]),  # a server ignoring pageNum cannot make it loop
    ],
)
async def test_pages_are_walked_and_the_walk_ends(
    items: list[int], links: bool, ignore_page_num: bool, expected_calls: list[int]
) -> None:
    server = Server(items, links=links, ignore_page_num=ignore_page_num)
    got = [item async for item in paginate(server, "g", items_per_page=3)]
    assert got == (items[:3] if ignore_page_num else items)
    assert server.calls == expected_calls


async def test_iter_pages_reports_boundaries_and_totals() -> None:
    server = Server(list(range(5)), links=True)
    pages = [page async for page in iter_pages(server, "g", items_per_page=2)]
    assert [(p.page_num, p.items, p.total_count) for p in pages] == [(1, [0, 1], 5), (2, [2, 3], 5), (3, [4], 5)]


async def test_a_next_link_pointing_backwards_falls_back_to_the_next_page() -> None:
    calls: list[int] = []

    async def backwards(*, items_per_page: int, page_num: int) -> Body:
        calls.append(page_num)
        results = [page_num] if page_num <= 3 else []
        return Body(results=results, links=[Link("next", "https://x/list?pageNum=1")])

    assert [item async for item in paginate(backwards, items_per_page=1)] == [1, 2, 3]
    assert calls == [1, 2, 3, 4]


async def test_max_items_stops_early_without_fetching_more() -> None:
    server = Server(list(range(100)), links=True)
    assert [item async for item in paginate(server, "g", items_per_page=10, max_items=15)] == list(range(15))
    assert server.calls == [1, 2]


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"items_per_page": 0}, "items_per_page"),
        ({"items_per_page": 501}, "items_per_page"),
        ({"items_per_page": "10"}, "items_per_page"),
        ({"max_items": -1}, "max_items"),
    ],
)
async def test_bad_arguments_are_rejected_before_any_call(kwargs: dict[str, Any], parameter: str) -> None:
    server = Server([1], links=True)
    with pytest.raises(InvalidArgumentError) as info:
        [item async for item in paginate(server, "g", **kwargs)]
    assert info.value.parameter == parameter
    assert server.calls == []


# --- every paginated operation of the spec, against FakeAtlas ---------------------------------------------------

PAGINATED = sorted(key for key, op in OPERATIONS.items() if op.paginated)
SEEDED = 5


@pytest.fixture(scope="module")
def fake() -> FakeAtlas:
    return FakeAtlas()


def test_the_whole_api_has_its_paginated_lists() -> None:
    assert len(PAGINATED) >= 80, len(PAGINATED)  # the 43 documented operations had 14


@pytest.mark.parametrize("key", PAGINATED)
@pytest.mark.filterwarnings("ignore::atlas_admin.AtlasDeprecationWarning")  # some lists are deprecated: not the point
async def test_every_paginated_operation_walks_its_pages(key: str, fake: FakeAtlas) -> None:
    """`iter_pages` takes every operation marked paginated (a GET with ``pageNum``, ``itemsPerPage`` and a
    ``results`` list): against FakeAtlas, a stored collection of 5 items comes back whole, 2 per page, and an
    operation FakeAtlas answers from an example walks to its end."""
    (case,) = operation_cases([key])
    kwargs = case.call_kwargs()
    fake.reset()
    try:
        spec_names = {python_name: spec_name for spec_name, python_name, _, _ in case.operation.path_params}
        path_values = {spec_names[name]: value for name, value in case.path_args.items()}
        fake.seed(case.operation.operation_id, [{"name": f"item{i}"} for i in range(SEEDED)], **path_values)
        seeded = True
    except KeyError:  # not a stored collection: FakeAtlas answers with the documented or synthesized example
        seeded = False
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=fake))
    async with (
        http,
        AtlasClient(
            client_id="mdb_sa_id_demo", client_secret="mdb_sa_sk_demo", base_url="https://fake.test", http_client=http
        ) as atlas,
    ):
        method = getattr(getattr(atlas, tag_of(key)), key)
        pages: list[Page[Any]] = []
        async for page in iter_pages(method, items_per_page=2, **kwargs):
            pages.append(page)
            assert len(pages) < 20, f"{key}: the walk does not end"
    if seeded:
        assert [len(page.items) for page in pages] == [2, 2, 1], key
        assert all(page.total_count in (None, SEEDED) for page in pages), key
    else:
        assert pages and all(page.items for page in pages), key


async def test_a_method_that_does_not_answer_a_page_is_named() -> None:
    async def not_a_list(*, items_per_page: int, page_num: int) -> Any:
        return Link("self", "https://x")

    with pytest.raises(InvalidArgumentError) as info:
        [page async for page in iter_pages(not_a_list)]
    assert info.value.parameter == "list_call"
    assert "not_a_list did not answer a page (Link has no results list)" in str(info.value)
