"""Parsing a large body with the cyclic garbage collector paused (issue #18).

Decoding a 500-item page and building its models creates thousands of container objects, every one of which stays
alive until the parse returns. CPython starts a collection after every 700 net new containers, so without a pause
a page triggers several young collections (and, at concurrency, full ones) that find no garbage: they traverse the
page being built, and the whole heap, and promote the page to older generations. Measured on a 500-item page at
concurrency 32, those collections cost the SDK about a third of its client CPU (bench/run.py, BENCHMARKS.md).

Pausing changes no result: reference counting still frees everything that is not in a cycle, and cycles created
meanwhile are collected at the next collection after the pause. The pause is short (one synchronous parse, no
``await`` inside) and only where the collector was enabled; if another thread disables the collector during that
window, this re-enables it afterwards (the collector switch is process-wide).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def call_with_gc_paused(function: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``function(*args, **kwargs)`` with the cyclic garbage collector disabled meanwhile (if it was enabled)."""
    if not gc.isenabled():
        return function(*args, **kwargs)
    gc.disable()
    try:
        return function(*args, **kwargs)
    finally:
        gc.enable()
