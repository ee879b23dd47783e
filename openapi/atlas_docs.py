"""Reader for the text renderings of the MongoDB Atlas Admin API v2 doc pages.

The pages (see ``<docs>/README.md``) render every endpoint twice: a reference
section (title, ``METHOD /path``, description, parameters, request body,
responses with nested field bullets) and a code-sample section (``atlas api
<operationId> --help``, a Go snippet naming ``client.XxxApi``, curl samples,
labelled request/response examples).

This module only *reads* the pages; it makes no decisions about the OpenAPI
shape. ``read_docs(dir)`` returns a list of :class:`Operation`.

Field trees are plain dicts (see :func:`_new_field`) so that callers can walk
them without importing anything from here.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Operation",
    "default_docs_dir",
    "iter_fields",
    "parse_constraint_line",
    "parse_field_header",
    "read_docs",
    "read_index",
]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_METHOD_LINE = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) (/api/\S+)$")
_BULLET = "\u2022 "
_FIELD_HEADER = re.compile(
    r"^(?P<name>\S+) (?P<type>string|integer|number|boolean|object|array\[(?P<items>\w+)\])"
    r"(?:\((?P<format>[\w-]+)\))?(?P<flags>(?: Required| Discriminator| Additional properties)*)$"
)
_RESPONSE_HEADER = re.compile(r"^(?P<status>\d{3}) (?P<media>\S+/\S+)$")
_MEDIA_LINE = re.compile(r"^application/[\w.+-]+$")
_HIDE_LINE = re.compile(r"^Hide .*Show .*$")
_EXAMPLES_LINE = re.compile(r"^(Request examples|Response examples \((?P<status>\d{3})\))$")


def default_docs_dir() -> Path:
    env = os.environ.get("ATLAS_DOCS_DIR")
    if env:
        return Path(env)
    repo = Path(__file__).resolve().parent.parent
    return repo.parent / "shared" / "atlas-docs"


# ---------------------------------------------------------------------------
# data model


@dataclass
class Operation:
    file: str
    line: int  # 1-based line of the page title
    title: str
    method: str
    path: str
    description: str
    path_params: list = field(default_factory=list)  # list of field dicts
    query_params: list = field(default_factory=list)
    request: dict | None = None  # {media_type, required, description, body: field dict}
    responses: list = field(default_factory=list)  # [{status, media_type, description, body}]
    operation_id: str | None = None
    go_tag: str | None = None
    request_examples: list = field(default_factory=list)  # [(label|None, value)]
    response_examples: dict = field(default_factory=dict)  # status -> [(label|None, value)]

    @property
    def deprecated(self) -> bool:
        return self.title.endswith(" Deprecated")

    def response(self, status: str) -> dict | None:
        for r in self.responses:
            if r["status"] == status:
                return r
        return None


def _new_field(name: str | None = None) -> dict:
    return {
        "name": name,  # '*' for "Additional properties" bullets; None for a body root
        "type": None,  # string|integer|number|boolean|object|array
        "items": None,  # item type for arrays
        "format": None,
        "required": False,
        "discriminator": False,
        "additional": False,  # the "* type Additional properties" bullet
        "description": "",
        "link_labels": [],  # short link-text lines the renderer keeps ("Prettyprint")
        "constraints": {},  # enum, pattern, minimum, maximum, minLength, maxLength, default, minItems, maxItems, itemsPattern
        "one_of": False,  # "One of:" seen: the children are the first variant only
        "variant_description": None,
        "children": [],
        "line": None,
    }


# ---------------------------------------------------------------------------
# line helpers


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def parse_field_header(text: str) -> dict | None:
    """Parse ``name type(format) [Required] [Discriminator]`` (without the bullet)."""
    m = _FIELD_HEADER.match(text)
    if not m:
        return None
    t = m.group("type")
    f = _new_field(m.group("name"))
    if t.startswith("array["):
        f["type"] = "array"
        f["items"] = m.group("items")
    else:
        f["type"] = t
    f["format"] = m.group("format")
    flags = m.group("flags") or ""
    f["required"] = " Required" in flags
    f["discriminator"] = " Discriminator" in flags
    f["additional"] = " Additional properties" in flags
    return f


_NUM = r"-?\d+(?:\.\d+)?"
_CONSTRAINT_SENTENCES = [
    (re.compile(rf"Minimum value is ({_NUM}), maximum value is ({_NUM})\."), ("minimum", "maximum")),
    (re.compile(rf"Minimum value is ({_NUM})\."), ("minimum",)),
    (re.compile(rf"Maximum value is ({_NUM})\."), ("maximum",)),
    (re.compile(r"Minimum length is (\d+), maximum length is (\d+)\."), ("minLength", "maxLength")),
    (re.compile(r"Minimum length is (\d+)\."), ("minLength",)),
    (re.compile(r"Maximum length is (\d+)\."), ("maxLength",)),
    (re.compile(r"At least (\d+) elements?\."), ("minItems",)),
    (re.compile(r"Not more than (\d+) elements?\."), ("maxItems",)),
    (re.compile(r"Default value is (.*?)\.(?= |$)"), ("default",)),
    (re.compile(r"Values are (.*?)\.(?= [A-Z]|$)"), ("enum",)),
    (re.compile(r"Value is (.*?)\.(?= [A-Z]|$)"), ("enum1",)),
    (re.compile(r"Format should match the following pattern: (.*)\.$"), ("pattern",)),
    (re.compile(r"Format of each should match the following pattern: (.*)\.$"), ("itemsPattern",)),
]


def _split_values(text: str) -> list[str]:
    """``A, B, or C`` / ``A or B`` / ``A`` -> [A, B, C]."""
    parts = [p.strip() for p in text.split(", ")]
    out: list[str] = []
    for i, p in enumerate(parts):
        if i == len(parts) - 1 and p.startswith("or "):
            p = p[3:]
        if len(parts) == 1 and " or " in p:
            a, b = p.split(" or ", 1)
            out.extend([a, b])
            continue
        out.append(p)
    return out


def parse_constraint_line(line: str) -> dict | None:
    """Return the constraints in ``line`` if the whole line is made of constraint sentences."""
    rest = line.strip()
    found: dict = {}
    if not rest:
        return None
    while rest:
        for rx, keys in _CONSTRAINT_SENTENCES:
            m = rx.match(rest)
            if m:
                for k, v in zip(keys, m.groups(), strict=False):
                    if k == "enum":
                        found["enum"] = _split_values(v)
                    elif k == "enum1":
                        found["enum"] = [v]
                    else:
                        found[k] = v
                rest = rest[m.end() :].lstrip()
                break
        else:
            return None
    return found


def _is_link_label(text: str) -> bool:
    """Short link texts the renderer leaves behind (e.g. ``Prettyprint``)."""
    t = text.strip()
    return len(t) <= 80 and not re.search(r"[.:!?)\"]$", t) and not t.startswith(_BULLET)


# ---------------------------------------------------------------------------
# reference section


def _block_items(lines: list[tuple[int, str]], base: int):
    """Split indented ``lines`` into items at indentation ``base``.

    Yields ("field", header_dict, content_lines) for field bullets and
    ("text", text, content_lines) for anything else at ``base`` (text lines and
    description bullets, whose deeper continuation lines are kept with them).
    """
    i = 0
    n = len(lines)
    while i < n:
        ln, raw = lines[i]
        ind = _indent(raw)
        text = raw.strip()
        j = i + 1
        while j < n and _indent(lines[j][1]) > ind:
            j += 1
        content = lines[i + 1 : j]
        hdr = None
        if text.startswith(_BULLET):
            hdr = parse_field_header(text[len(_BULLET) :])
        if hdr is not None:
            hdr["line"] = ln
            yield ("field", hdr, content)
        else:
            yield ("text", text, content, ln)
        i = j


def _parse_field_content(f: dict, content: list[tuple[int, str]]) -> dict:
    """Fill description/constraints/children of ``f`` from its indented content."""
    if not content:
        return f
    base = min(_indent(r) for _, r in content)
    texts: list[str] = []
    state = "desc"
    for item in _block_items(content, base):
        if item[0] == "field":
            _, hdr, sub = item
            f["children"].append(_parse_field_content(hdr, sub))
            continue
        _, text, sub, _ln = item
        if _HIDE_LINE.match(text):
            continue
        if text == "One of:":
            f["one_of"] = True
            state = "variant"
            continue
        cons = parse_constraint_line(text)
        if cons is not None:
            if "enum" in cons and f["constraints"].get("enum"):
                # "One of:" string unions list one enum per variant; only the first is shown
                pass
            f["constraints"].update(cons)
            continue
        if state == "variant" and f["variant_description"] is None:
            f["variant_description"] = text
            continue
        full = text
        if sub:
            full = "\n".join([text] + [r.strip() for _, r in sub])
        texts.append(full)
    # trailing link labels are not description
    desc_parts: list[str] = []
    for t in texts:
        if desc_parts and _is_link_label(t):
            f["link_labels"].append(t)
        else:
            desc_parts.append(t)
    f["description"] = "\n\n".join(desc_parts)
    return f


def _parse_reference(lines: list[str], start: int, end: int, fname: str) -> Operation:
    """Parse the reference section lines[start:end] (0-based, start = title)."""
    title = lines[start].strip()
    i = start + 1
    while not lines[i].strip():
        i += 1
    m = _METHOD_LINE.match(lines[i].strip())
    assert m, (fname, i + 1, lines[i])
    method, path = m.groups()
    body = [(k + 1, lines[k]) for k in range(i + 1, end) if lines[k].strip()]
    # split into sections at indentation 0
    sections: list[tuple[str, list]] = [("description", [])]
    for ln, raw in body:
        t = raw.strip()
        if _indent(raw) == 0:
            if t == "Path parameters":
                sections.append(("path", []))
                continue
            if t == "Query parameters":
                sections.append(("query", []))
                continue
            if t == "Responses":
                sections.append(("responses", []))
                continue
            if _MEDIA_LINE.match(t) and sections[-1][0] in ("path", "query", "description"):
                sections.append(("request", [(ln, raw)]))
                continue
        sections[-1][1].append((ln, raw))
    op = Operation(file=fname, line=start + 1, title=title, method=method, path=path, description="")
    for kind, sec in sections:
        if kind == "description":
            texts = [r.strip() for _, r in sec]
            parts: list[str] = []
            for t in texts:
                if parts and _is_link_label(t):
                    continue
                parts.append(t)
            op.description = "\n\n".join(parts)
        elif kind in ("path", "query"):
            params = []
            for item in _block_items(sec, 2):
                if item[0] != "field":
                    continue
                _, hdr, sub = item
                params.append(_parse_field_content(hdr, sub))
            if kind == "path":
                op.path_params = params
            else:
                op.query_params = params
        elif kind == "request":
            media = sec[0][1].strip()
            hdr_line = sec[1][1].strip()
            hm = re.match(r"^Body(?: (object|array))?( Required)?$", hdr_line)
            assert hm, (fname, sec[1])
            root = _new_field(None)
            root["type"] = hm.group(1) or "object"
            root["required"] = bool(hm.group(2))
            root["line"] = sec[0][0]
            # body text sits at column 0 while its field bullets sit at column 2
            _parse_field_content(root, [(ln, "  " + r if _indent(r) == 0 else r) for ln, r in sec[2:]])
            op.request = {"media_type": media, "required": root["required"], "body": root}
        elif kind == "responses":
            for item in _block_items(sec, 2):
                if item[0] == "field":
                    raise AssertionError(f"unexpected field in responses at {fname}:{item[1]['line']}")
                _, text, sub, ln = item
                rm = _RESPONSE_HEADER.match(text[len(_BULLET) :]) if text.startswith(_BULLET) else None
                assert rm, (fname, ln, text)
                root = _new_field(None)
                root["line"] = ln
                has_body = any(_HIDE_LINE.match(r.strip()) or r.strip() == "One of:" for _, r in sub) or any(
                    r.strip().startswith(_BULLET) and parse_field_header(r.strip()[2:]) for _, r in sub
                )
                _parse_field_content(root, sub)
                # the first text line under the status is the response description
                desc = root["description"].split("\n\n")[0] if root["description"] else ""
                rest = root["description"][len(desc) :].strip()
                root["description"] = rest
                root["type"] = "object" if has_body else None
                op.responses.append(
                    {
                        "status": rm.group("status"),
                        "media_type": rm.group("media"),
                        "description": desc,
                        "body": root if has_body else None,
                    }
                )
    return op


# ---------------------------------------------------------------------------
# code-sample section


def _parse_samples(lines: list[str], start: int, end: int, op: Operation) -> None:
    i = start
    while i < end:
        t = lines[i].rstrip()
        m = re.match(r"^atlas api (\w+) --help$", t)
        if m:
            op.operation_id = m.group(1)
        m = re.search(r"\bclient\.(.+?Api)\.\s*$", t)
        if m:
            op.go_tag = m.group(1)
        m = _EXAMPLES_LINE.match(t)
        if m:
            status = m.group("status")
            examples, i = _parse_example_block(lines, i + 1, end)
            if status is None:
                op.request_examples.extend(examples)
            else:
                op.response_examples.setdefault(status, []).extend(examples)
            continue
        if t in ("{", "[") and not op.response_examples:
            # some pages omit the "Request examples" header before the request bodies
            examples, i = _parse_example_block(lines, i, end)
            op.request_examples.extend(examples)
            continue
        i += 1


def _read_json(lines: list[str], i: int, end: int):
    """lines[i] is '{' or '['; return (value, next index)."""
    opener = lines[i].rstrip()
    closer = "}" if opener.startswith("{") else "]"
    if opener in ("{}", "[]"):
        return json.loads(opener), i + 1
    j = i + 1
    while j < end and lines[j].rstrip() != closer:
        j += 1
    text = "\n".join(lines[i : j + 1])
    return json.loads(text), j + 1


def _parse_example_block(lines: list[str], i: int, end: int):
    """Read ``[label] json`` pairs until the next examples header / non-example text."""
    out = []
    label = None
    while i < end:
        t = lines[i].rstrip()
        if not t:
            i += 1
            continue
        if _EXAMPLES_LINE.match(t):
            break
        if t in ("{", "[") or t in ("{}", "[]"):
            value, i = _read_json(lines, i, end)
            out.append((label, value))
            label = None
            continue
        # a label only counts if a JSON value follows it
        k = i + 1
        while k < end and not lines[k].strip():
            k += 1
        if k < end and lines[k].rstrip() in ("{", "[", "{}", "[]") and label is None:
            label = t
            i += 1
            continue
        break
    return out, i


# ---------------------------------------------------------------------------
# pages


def _page_starts(lines: list[str]) -> list[int]:
    """0-based indices of page titles (the reference ``METHOD /path`` two lines below)."""
    starts = []
    for k, raw in enumerate(lines):
        if not _METHOD_LINE.match(raw.strip()) or _indent(raw) != 0:
            continue
        # reference sections: title, blank, METHOD line, blank, description
        nxt = lines[k + 1].strip() if k + 1 < len(lines) else ""
        if nxt.startswith("atlas api "):
            continue
        t = k - 1
        while t >= 0 and not lines[t].strip():
            t -= 1
        starts.append(t)
    return starts


def read_file(path: Path) -> list[Operation]:
    lines = path.read_text(encoding="utf-8").split("\n")
    starts = _page_starts(lines)
    ops = []
    for n, s in enumerate(starts):
        e = starts[n + 1] if n + 1 < len(starts) else len(lines)
        # code-sample section: the second METHOD line followed by `atlas api`
        sample = None
        for k in range(s + 2, e):
            if _METHOD_LINE.match(lines[k].strip()) and k + 1 < e and lines[k + 1].startswith("atlas api "):
                sample = k
                break
        assert sample is not None, (path.name, s + 1)
        op = _parse_reference(lines, s, sample, path.name)
        _parse_samples(lines, sample, e, op)
        ops.append(op)
    return ops


def read_docs(docs_dir: str | os.PathLike | None = None) -> list[Operation]:
    d = Path(docs_dir) if docs_dir else default_docs_dir()
    ops: list[Operation] = []
    for p in sorted(d.glob("*.txt")):
        ops.extend(read_file(p))
    return ops


def read_index(docs_dir: str | os.PathLike | None = None) -> list[dict]:
    d = Path(docs_dir) if docs_dir else default_docs_dir()
    rows = (d / "INDEX.tsv").read_text(encoding="utf-8").rstrip("\n").split("\n")
    head = rows[0].split("\t")
    return [dict(zip(head, r.split("\t"), strict=False)) for r in rows[1:]]


def iter_fields(f: dict, prefix: str = ""):
    """Yield (path, field) for every descendant of ``f`` (``a.b[].c`` paths)."""
    for c in f["children"]:
        name = c["name"]
        p = f"{prefix}.{name}" if prefix else name
        yield p, c
        sub = p + "[]" if c["type"] == "array" else p
        yield from iter_fields(c, sub)


if __name__ == "__main__":  # pragma: no cover - debugging aid
    import sys

    for op in read_docs(sys.argv[1] if len(sys.argv) > 1 else None):
        print(op.method, op.path, op.operation_id, op.go_tag, op.deprecated)
        for r in op.responses:
            print("   ", r["status"], r["media_type"], r["description"])
