"""Iterate over every item of a paginated list operation (``itemsPerPage``/``pageNum``/``includeCount``).

Atlas pages are ``{"results": [...], "totalCount": N, "links": [{"rel": "next", "href": ...}]}``. The
iterators follow the ``next`` link's ``pageNum`` and fall back to ``pageNum + 1``; an empty page, or a short
page without links, ends the walk. ``totalCount`` is only an estimate in Atlas, so it never ends the walk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Generic, ParamSpec, Protocol, TypeVar, overload

import attrs
import httpx
from atlas_admin_api._operations import InvalidArgumentError
from atlas_admin_api.types import Unset

from . import _constants as C

_NO_RESULTS = object()  # what getattr gives for an answer that is not a page (a method paginate cannot walk)

T = TypeVar("T")
P = ParamSpec("P")


class PageBody(Protocol[T]):
    """What a paginated list operation returns (every generated ``Paginated*`` model fits)."""

    @property
    def results(self) -> list[T] | Unset: ...

    @property
    def total_count(self) -> int | Unset: ...


@attrs.frozen
class Page(Generic[T]):
    """One page of a list: its items, its number and, when the server counted, the total."""

    items: list[T]
    page_num: int
    total_count: int | None
    body: Any = attrs.field(repr=False)


def _check(items_per_page: int, max_items: int | None) -> None:
    if isinstance(items_per_page, bool) or not isinstance(items_per_page, int):
        raise InvalidArgumentError("items_per_page", f"expected an int, got {type(items_per_page).__name__}")
    if not C.ITEMS_PER_PAGE_MIN <= items_per_page <= C.ITEMS_PER_PAGE_MAX:
        raise InvalidArgumentError(
            "items_per_page", f"{items_per_page} is outside {C.ITEMS_PER_PAGE_MIN}..{C.ITEMS_PER_PAGE_MAX}"
        )
    if max_items is not None and (isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0):
        raise InvalidArgumentError("max_items", f"expected a non-negative int, got {max_items!r}")


def _next_page_num(body: Any, current: int) -> int | None:
    """The next page's number: from the ``next`` link, else ``current + 1``; None when links say this is the last."""
    links = getattr(body, "links", None)
    links = [] if isinstance(links, Unset) or links is None else links
    for link in links:
        rel = link.get("rel") if isinstance(link, dict) else getattr(link, "rel", None)
        href = link.get("href") if isinstance(link, dict) else getattr(link, "href", None)
        if rel == "next" and isinstance(href, str):
            try:
                number = int(httpx.URL(href).params.get("pageNum", ""))
            except ValueError:
                return current + 1
            # A link that points backwards or at this page would loop forever.
            return number if number > current else current + 1
    # Atlas sends rel=self on every page and rel=next when more follow: links without next end the walk.
    # Without any links the walk goes on until an empty page (totalCount is only an estimate).
    return None if links else current + 1


def _has_links(body: Any) -> bool:
    links = getattr(body, "links", None)
    return bool(links) and not isinstance(links, Unset)


# Typing (issue #17): the first overload takes exactly the list method's own arguments (a ParamSpec), so mypy checks
# them, `items_per_page` included (it is one of them). `start_page` (iter_pages) and `max_items` (paginate) are not:
# a ParamSpec admits no other keyword, so a call that uses them matches the second overload, where the list
# method's arguments are not checked.
@overload
def iter_pages(
    list_call: Callable[P, Awaitable[PageBody[T]]], /, *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[Page[T]]: ...


@overload
def iter_pages(
    list_call: Callable[..., Awaitable[PageBody[T]]], /, *args: Any, start_page: int, **kwargs: Any
) -> AsyncIterator[Page[T]]: ...


async def iter_pages(  # type: ignore[misc]  # one implementation for both overloads
    list_call: Callable[..., Awaitable[PageBody[T]]],
    /,
    *args: Any,
    items_per_page: int = C.DEFAULT_ITEMS_PER_PAGE,
    start_page: int = 1,
    **kwargs: Any,
) -> AsyncIterator[Page[T]]:
    """Yield each page of a paginated list operation, with ``total_count`` and page boundaries.

    Usage::

        async for page in iter_pages(atlas.cloud_backups.list_export_buckets, group_id, items_per_page=50):
            print(page.page_num, page.total_count, len(page.items))
    """
    _check(items_per_page, None)
    page_num = start_page
    previous: list[T] | None = None
    while True:
        body = await list_call(*args, items_per_page=items_per_page, page_num=page_num, **kwargs)
        results: Any = getattr(body, "results", _NO_RESULTS)
        if results is _NO_RESULTS:
            name = getattr(list_call, "__name__", repr(list_call))
            raise InvalidArgumentError(
                "list_call", f"{name} did not answer a page ({type(body).__name__} has no results list)"
            )
        items = [] if isinstance(results, Unset) or results is None else list(results)
        total = body.total_count
        if not items or items == previous:
            # Empty, or the very page before again (a server that ignores pageNum): the walk is over.
            return
        previous = items
        yield Page(items=items, page_num=page_num, total_count=None if isinstance(total, Unset) else total, body=body)
        next_page = _next_page_num(body, page_num)
        if next_page is None:
            return
        if not _has_links(body) and len(items) < items_per_page:
            # No links and a short page: the last one. Also stops a server that ignores pageNum from
            # sending the same short page for ever.
            return
        page_num = next_page


@overload
def paginate(
    list_call: Callable[P, Awaitable[PageBody[T]]], /, *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[T]: ...


@overload
def paginate(
    list_call: Callable[..., Awaitable[PageBody[T]]], /, *args: Any, max_items: int | None, **kwargs: Any
) -> AsyncIterator[T]: ...


async def paginate(  # type: ignore[misc]  # one implementation for both overloads
    list_call: Callable[..., Awaitable[PageBody[T]]],
    /,
    *args: Any,
    items_per_page: int = C.DEFAULT_ITEMS_PER_PAGE,
    max_items: int | None = None,
    **kwargs: Any,
) -> AsyncIterator[T]:
    """Yield every item of a paginated list operation, across pages.

    ``items_per_page`` (1-500) sets the page size; ``max_items`` stops early.

    Usage::

        async for bucket in paginate(atlas.cloud_backups.list_export_buckets, group_id, max_items=1000):
            print(bucket.bucket_name)
    """
    _check(items_per_page, max_items)
    if max_items == 0:
        return
    count = 0
    pages: AsyncIterator[Page[T]] = iter_pages(list_call, *args, items_per_page=items_per_page, **kwargs)
    async for page in pages:
        for item in page.items:
            yield item
            count += 1
            if max_items is not None and count >= max_items:
                return
