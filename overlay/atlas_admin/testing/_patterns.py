"""The spec's ``pattern`` keywords: compiled for Python, and a sample string that matches each.

Atlas writes some patterns for ECMAScript or Java engines (``\\p{L}``, ``(?<name>...)``); they are
translated to Python's dialect where that is exact, and ignored (every string passes) where it is not,
so that a pattern the fake cannot read never turns a valid request into a 500.
"""

from __future__ import annotations

import functools
import re
from typing import Any

try:  # Python 3.11+ keeps the regex parser here
    import re._constants as _sre  # type: ignore[import-not-found,unused-ignore]
    import re._parser as _sre_parse  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - older layouts
    import sre_constants as _sre  # type: ignore[no-redef,unused-ignore]
    import sre_parse as _sre_parse  # type: ignore[no-redef,unused-ignore]

_TRANSLATIONS = (
    (re.compile(r"\\p\{L\}"), r"^\\W\\d_"),  # inside a class: letters
    (re.compile(r"\\p\{N\}"), r"\\d"),
    (re.compile(r"\(\?<(?=[A-Za-z_])"), "(?P<"),  # named groups, Java/ECMAScript spelling
)
# Strings tried, in order, when building a sample from the pattern's structure does not match it.
_FALLBACK_SAMPLES = (
    "32b6e34b3d91647abb20e7b8",
    "192.0.2.1",
    "192.0.2.0/24",
    "sg-903004f8",
    "name1",
    "a",
    "A",
    "0",
    "user@example.com",
    "https://example.com/a",
)
_REPEAT_CAP = 3  # unbounded repeats (``*``, ``+``) produce at most this many copies in a sample


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str] | None:
    """``pattern`` as a Python regex, or None when it cannot be read faithfully."""
    translated = pattern
    for source, target in _TRANSLATIONS:
        translated = source.sub(target, translated)
    try:
        return re.compile(_fix_letter_classes(translated))
    except re.error:
        return None


def _fix_letter_classes(pattern: str) -> str:
    # "\p{L}" inside a class became "^\W\d_", which means "letters" only as a whole negated class, and
    # Python has no class union: "[\p{L}\p{N}-_.]" becomes "(?:[^\W_]|[-_.])" (letters and digits, or the rest).
    def rewrite(match: re.Match[str]) -> str:
        body = match.group(1)
        if "^\\W\\d_" not in body:
            return match.group(0)
        rest = body.replace("^\\W\\d_", "").replace("\\d", "")
        letters_digits = "[^\\W_]"
        return f"(?:{letters_digits}|[{rest}])" if rest else letters_digits

    return re.sub(r"\[((?:\\.|[^\]\\])*)\]", rewrite, pattern)


def matches(pattern: str, value: str) -> bool:
    """Whether ``value`` matches ``pattern`` (``re.search``, as JSON Schema says); True when unreadable."""
    compiled = compile_pattern(pattern)
    return compiled is None or compiled.search(value) is not None


@functools.lru_cache(maxsize=4096)
def sample_for(pattern: str, min_length: int = 0, max_length: int | None = None) -> str | None:
    """A short string matching ``pattern`` (and the length bounds), or None when none is found."""
    compiled = compile_pattern(pattern)
    if compiled is None:
        return None
    candidates: list[str] = []
    try:
        parsed = _sre_parse.parse(compiled.pattern)
        candidates.append(_render(parsed, prefer_one=True))
        candidates.append(_render(parsed, prefer_one=False))
    except (re.error, RecursionError, ValueError, TypeError):
        pass
    candidates.extend(_FALLBACK_SAMPLES)
    for candidate in candidates:
        if candidate and compiled.search(candidate) and _length_ok(candidate, min_length, max_length):
            return candidate
    for candidate in candidates:
        padded = candidate + "a" * max(0, min_length - len(candidate))
        if compiled.search(padded) and _length_ok(padded, min_length, max_length):
            return padded
    return None


def _length_ok(value: str, min_length: int, max_length: int | None) -> bool:
    return len(value) >= min_length and (max_length is None or len(value) <= max_length)


def _render(parsed: Any, *, prefer_one: bool) -> str:
    out: list[str] = []
    for op, arg in parsed:
        out.append(_render_node(op, arg, prefer_one))
    return "".join(out)


def _render_node(op: Any, arg: Any, prefer_one: bool) -> str:
    if op is _sre.LITERAL:
        return chr(arg)
    if op is _sre.NOT_LITERAL:
        return "a" if chr(arg) != "a" else "b"
    if op is _sre.ANY:
        return "a"
    if op is _sre.IN:
        return _render_class(arg)
    if op is _sre.BRANCH:
        return _render(arg[1][0], prefer_one=prefer_one)
    if op is _sre.SUBPATTERN:
        return _render(arg[-1], prefer_one=prefer_one)
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", None)):
        low, high, item = arg
        count = low
        if prefer_one and low == 0 and high >= 1:
            count = 1
        count = min(count, max(low, _REPEAT_CAP))
        return str(_render(item, prefer_one=prefer_one) * count)
    if op is _sre.CATEGORY:
        return _render_category(arg)
    # Anchors, lookarounds and back-references add no characters to a sample.
    return ""


def _render_class(items: Any) -> str:
    negated = any(op is _sre.NEGATE for op, _ in items)
    if negated:
        excluded = {chr(a) for op, a in items if op is _sre.LITERAL}
        return next(c for c in "aA0b" if c not in excluded)
    for op, arg in items:
        if op is _sre.RANGE:
            low, high = arg
            for preferred in "a0A":
                if low <= ord(preferred) <= high:
                    return preferred
            return chr(low)
    for op, arg in items:
        if op is _sre.CATEGORY:
            return _render_category(arg)
        if op is _sre.LITERAL:
            return chr(arg)
    return "a"


def _render_category(category: Any) -> str:
    if category is _sre.CATEGORY_DIGIT:
        return "0"
    if category is _sre.CATEGORY_SPACE:
        return " "
    if category in (_sre.CATEGORY_NOT_DIGIT, _sre.CATEGORY_WORD, _sre.CATEGORY_NOT_SPACE):
        return "a"
    if category is _sre.CATEGORY_NOT_WORD:
        return "-"
    return "a"
