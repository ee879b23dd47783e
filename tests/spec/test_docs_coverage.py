"""The spec covers everything the doc pages document.

Re-reads the pages with ``openapi/atlas_docs.py`` and walks the checked-in YAML
generically (``$ref``s, ``oneOf`` variants, array items, additionalProperties);
it does not reuse ``assemble.py``.  Fails on any documented operation,
parameter, field, enum value, required flag, constraint or media type that the
spec lacks or gets wrong, and prints one summary line::

    coverage: 43/43 operations, P/P parameters, F/F fields, E/E enum values, M/M media types
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "openapi" / "atlas-admin-v2.yaml"
sys.path.insert(0, str(REPO / "openapi"))

import atlas_docs  # noqa: E402
from shared_dirs import require_docs  # noqa: E402

# Documented values the spec deliberately does not copy verbatim (each is
# recorded as a decision comment in the spec).
PATTERN_REWRITES = {
    # \p{..} classes are not valid Python / ECMA (non-u) regexes
    "^[\\p{L}\\p{N}\\-_.(),:&@+']{1,64}$": "^[\\w\\-.(),:&@+']{1,64}$",
    # documented pattern lacks its quantifier (admits one character)
    "^([-\\w._()])$": "^([-\\w._()])+$",
}
# A discriminator the pages render as "Value is object." (placeholder, not a value)
PLACEHOLDER_DISCRIMINATOR_VALUES = {"object"}

EXPECTED_OPERATIONS = 43
UPSTREAM_PATH = REPO / "openapi" / "upstream" / "atlas-api.yaml"


# The official document: the only allowed source of what the spec holds beyond the pages (openapi/README.md).
_OFFICIAL = yaml.load(UPSTREAM_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
UPSTREAM = {(p, m): o for p, item in _OFFICIAL["paths"].items() for m, o in item.items() if isinstance(o, dict)}
UPSTREAM_PARAMS = _OFFICIAL["components"]["parameters"]


@pytest.fixture(scope="module")
def docs_dir():
    return require_docs()


@pytest.fixture(scope="module")
def ops(docs_dir):
    return atlas_docs.read_docs(docs_dir)


@pytest.fixture(scope="module")
def spec():
    return yaml.load(SPEC_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


# ---------------------------------------------------------------------------
# generic YAML walking


class Spec:
    def __init__(self, spec):
        self.spec = spec

    def discriminated(self, container, name) -> bool:
        """True if ``container`` is a oneOf variant whose discriminator property is ``name``."""
        if not hasattr(self, "_disc"):
            self._disc = set()
            for s in self.spec.get("components", {}).get("schemas", {}).values():
                d = s.get("discriminator")
                if d:
                    for ref in d.get("mapping", {}).values():
                        self._disc.add((id(self.resolve({"$ref": ref})), d["propertyName"]))
        return (id(container), name) in self._disc

    def resolve(self, node):
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            parts = node["$ref"].lstrip("#/").split("/")
            cur = self.spec
            for p in parts:
                cur = cur[p]
            node = cur
            seen += 1
            assert seen < 50, "ref loop"
        return node

    def variants(self, node):
        """All concrete schemas a value of ``node`` may take (oneOf/anyOf expanded)."""
        node = self.resolve(node)
        out = []
        alts = node.get("oneOf") or node.get("anyOf")
        if alts:
            for a in alts:
                out.extend(self.variants(a))
        else:
            out.append(node)
        return out

    def objects(self, node, disc=None):
        """Object schemas reachable from ``node`` without consuming a path step.

        ``disc`` = (property, value): the documented discriminator of the object;
        when ``node`` is a discriminated union mapping that value, only that
        variant is a candidate (the pages document the first variant only).
        """
        out = []
        r = self.resolve(node)
        d = r.get("discriminator") if isinstance(r, dict) else None
        if d and disc and d.get("propertyName") == disc[0] and disc[1] in d.get("mapping", {}):
            return self.objects({"$ref": d["mapping"][disc[1]]})
        for v in self.variants(node):
            if v.get("type") == "array" and "properties" not in v:
                # top-level arrays the text renders as objects: look into items
                out.extend(self.objects(v.get("items", {}), disc))
            else:
                out.append(v)
        return out

    def find(self, root, path: list[str], discs=None):
        """Candidate (container, name, property schema) for a dotted doc path."""
        cands = [(None, None, root)]
        discs = discs or [None] * len(path)
        for i, seg in enumerate(path):
            name = seg[:-2] if seg.endswith("[]") else seg
            nxt = []
            for _c, _n, node in cands:
                for obj in self.objects(node, discs[i]):
                    if name == "*":
                        ap = obj.get("additionalProperties")
                        if isinstance(ap, dict):
                            nxt.append((obj, name, ap))
                    elif name in (obj.get("properties") or {}):
                        nxt.append((obj, name, obj["properties"][name]))
            if seg.endswith("[]"):
                stepped = []
                for c, n, node in nxt:
                    for v in self.variants(node):
                        if v.get("type") == "array":
                            stepped.append((c, n, v.get("items", {})))
                nxt = stepped
            cands = nxt
        return cands


def _expected_schema_facts(f):
    """What a documented field/parameter says, normalised to OpenAPI keywords."""
    typ = f["type"]
    facts = {"type": typ}
    if f["format"]:
        facts["format"] = f["format"]
    c = f["constraints"]
    if typ == "array":
        facts["items_type"] = f["items"]
    for k in ("pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "default"):
        if k in c:
            facts[k] = c[k]
    if "itemsPattern" in c:
        facts["items_pattern"] = c["itemsPattern"]
    if "enum" in c:
        facts["enum"] = list(c["enum"])
    return facts


def _same_value(doc: str, spec_value, typ) -> bool:
    if isinstance(spec_value, bool):
        return doc == ("true" if spec_value else "false")
    if isinstance(spec_value, (int, float)):
        try:
            return float(doc) == float(spec_value)
        except ValueError:
            return False
    return doc == str(spec_value)


def _enum_values(S: Spec, schema):
    out = []
    for v in S.variants(schema):
        if v.get("type") == "array":
            for iv in S.variants(v.get("items", {})):
                out.extend(iv.get("enum") or [])
        out.extend(v.get("enum") or [])
    return [str(x).lower() if isinstance(x, bool) else str(x) for x in out]


def check_schema(S: Spec, f, schema, where: str, errors: list, counts: dict, is_discriminator=False):
    """Compare one documented field/parameter ``f`` with ``schema``; return True if all good."""
    ok = True
    facts = _expected_schema_facts(f)
    vs = S.variants(schema)
    # type / format
    types = {v.get("type") for v in vs}
    if facts["type"] not in types and not (f["one_of"] and facts["type"] == "string" and types <= {"string"}):
        errors.append(f"{where}: type {facts['type']} documented, spec has {sorted(map(str, types))}")
        ok = False
    if "format" in facts and facts["format"] not in {v.get("format") for v in vs}:
        errors.append(f"{where}: format {facts['format']} documented, spec lacks it")
        ok = False
    if facts["type"] == "array":
        item_types = {
            S.resolve(iv).get("type") for v in vs if v.get("type") == "array" for iv in S.variants(v.get("items", {}))
        }
        if facts["items_type"] not in item_types:
            errors.append(f"{where}: items {facts['items_type']} documented, spec has {item_types}")
            ok = False
        if "items_pattern" in facts:
            pats = {S.resolve(v.get("items", {})).get("pattern") for v in vs if v.get("type") == "array"}
            if facts["items_pattern"] not in pats:
                errors.append(f"{where}: items pattern {facts['items_pattern']} missing")
                ok = False
    # constraints
    for k in ("pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems", "default"):
        if k not in facts:
            continue
        want = facts[k]
        have = [v.get(k) for v in vs if k in v]
        if k == "pattern":
            good = want in have or PATTERN_REWRITES.get(want) in have
        else:
            good = any(_same_value(want, h, facts["type"]) for h in have)
        if not good:
            errors.append(f"{where}: {k} {want!r} documented, spec has {have}")
            ok = False
    # enum values
    if "enum" in facts:
        have = set(_enum_values(S, schema))
        for val in facts["enum"]:
            counts["enum_total"] += 1
            if val in have or (is_discriminator and val in PLACEHOLDER_DISCRIMINATOR_VALUES and have):
                counts["enum_ok"] += 1
            else:
                errors.append(f"{where}: enum value {val!r} missing (spec has {sorted(have)[:8]}...)")
                ok = False
    return ok


def _doc_disc(node):
    """(property, value) of the documented discriminator among ``node``'s children."""
    for c in node["children"]:
        if c["discriminator"]:
            vals = c["constraints"].get("enum") or []
            if len(vals) == 1 and vals[0] not in PLACEHOLDER_DISCRIMINATOR_VALUES:
                return (c["name"], vals[0])
    return None


def _iter_with_discs(node, prefix="", discs=()):
    here = (*discs, _doc_disc(node))
    for c in node["children"]:
        p = f"{prefix}.{c['name']}" if prefix else c["name"]
        yield p, c, list(here)
        sub = p + "[]" if c["type"] == "array" else p
        yield from _iter_with_discs(c, sub, here)


def check_body(S: Spec, doc_root, schema, where, errors, counts):
    for path, f, discs in _iter_with_discs(doc_root):
        counts["fields_total"] += 1
        segs = _split_path(path)
        cands = S.find(schema, segs, discs)
        label = f"{where} field {path}"
        if not cands:
            errors.append(f"{label}: missing")
            continue
        good = False
        local_errors: list = []
        for container, name, prop in cands:
            errs: list = []
            sub_counts = {"enum_total": 0, "enum_ok": 0}
            ok = check_schema(S, f, prop, label, errs, sub_counts, is_discriminator=f["discriminator"])
            req = name in (container.get("required") or []) if name != "*" else f["required"]
            if f["required"] and not req:
                errs.append(f"{label}: documented Required, spec does not require it")
                ok = False
            if not f["required"] and req and not (f["discriminator"] or S.discriminated(container, name)):
                errs.append(f"{label}: spec requires a field the docs mark optional")
                ok = False
            if ok:
                good = True
                counts["enum_total"] += sub_counts["enum_total"]
                counts["enum_ok"] += sub_counts["enum_ok"]
                break
            local_errors = local_errors or (errs, sub_counts)
        if good:
            counts["fields_ok"] += 1
        else:
            errs, sub_counts = local_errors
            counts["enum_total"] += sub_counts["enum_total"]
            counts["enum_ok"] += sub_counts["enum_ok"]
            errors.extend(errs)


def _split_path(path: str) -> list[str]:
    # "a.b[].c" -> ["a", "b[]", "c"]; names never contain dots
    return path.split(".")


def run_coverage(ops, spec):
    S = Spec(spec)
    errors: list[str] = []
    counts = dict.fromkeys(
        [
            "ops_total",
            "ops_ok",
            "params_total",
            "params_ok",
            "fields_total",
            "fields_ok",
            "enum_total",
            "enum_ok",
            "media_total",
            "media_ok",
        ],
        0,
    )
    for op in ops:
        counts["ops_total"] += 1
        where = f"{op.method} {op.path}"
        item = spec["paths"].get(op.path) or {}
        sop = item.get(op.method.lower())
        if sop is None:
            errors.append(f"{where}: operation missing")
            continue
        op_ok = True
        if sop.get("operationId") != op.operation_id:
            errors.append(f"{where}: operationId {sop.get('operationId')!r} != {op.operation_id!r}")
            op_ok = False
        if sop.get("summary") != op.title:
            errors.append(f"{where}: summary {sop.get('summary')!r} != {op.title!r}")
            op_ok = False
        # deprecated if either says so (openapi/README.md, "The rule")
        upstream_deprecated = bool((UPSTREAM.get((op.path, op.method.lower())) or {}).get("deprecated"))
        if bool(sop.get("deprecated")) != (op.deprecated or upstream_deprecated):
            errors.append(f"{where}: deprecated flag mismatch")
            op_ok = False
        if not sop.get("description"):
            errors.append(f"{where}: no description")
            op_ok = False
        counts["ops_ok"] += op_ok

        # parameters
        sparams = {}
        for p in sop.get("parameters") or []:
            p = S.resolve(p)
            sparams[(p["name"], p["in"])] = p
        for loc, plist in (("path", op.path_params), ("query", op.query_params)):
            for f in plist:
                counts["params_total"] += 1
                label = f"{where} {loc} param {f['name']}"
                p = sparams.get((f["name"], loc))
                if p is None:
                    errors.append(f"{label}: missing")
                    # its enum values are missing too
                    counts["enum_total"] += len(f["constraints"].get("enum", []))
                    continue
                ok = True
                want_req = True if loc == "path" else f["required"]
                if bool(p.get("required")) != want_req:
                    errors.append(f"{label}: required {p.get('required')} != {want_req}")
                    ok = False
                ok = check_schema(S, f, p.get("schema", {}), label, errors, counts) and ok
                counts["params_ok"] += ok
        documented = {(f["name"], "path") for f in op.path_params} | {(f["name"], "query") for f in op.query_params}
        official = UPSTREAM.get((op.path, op.method.lower())) or {}
        official_params = set()
        for p in official.get("parameters") or []:
            if "$ref" in p:
                p = UPSTREAM_PARAMS[p["$ref"].rsplit("/", 1)[-1]]
            official_params.add((p["name"], p["in"]))
        for extra in set(sparams) - documented - official_params:
            errors.append(f"{where}: parameter {extra} in neither the pages nor the official document")

        # request body
        if op.request:
            counts["media_total"] += 1
            rb = sop.get("requestBody")
            content = (rb or {}).get("content") or {}
            if list(content)[:1] != [op.request["media_type"]]:  # the documented version is the one sent
                errors.append(
                    f"{where} request: media types {list(content)} do not start with {op.request['media_type']}"
                )
            else:
                counts["media_ok"] += 1
            if rb and bool(rb.get("required")) != bool(op.request["required"]):
                errors.append(f"{where} request: required flag mismatch")
            if content:
                schema = next(iter(content.values())).get("schema", {})
                check_body(S, op.request["body"], schema, f"{where} request", errors, counts)
        elif sop.get("requestBody"):
            errors.append(f"{where}: undocumented request body")

        # responses
        sresps = sop.get("responses") or {}
        for r in op.responses:
            counts["media_total"] += 1
            label = f"{where} {r['status']}"
            sr = sresps.get(r["status"])
            if sr is None:
                errors.append(f"{label}: response missing")
                if r["body"]:
                    n = sum(1 for _ in atlas_docs.iter_fields(r["body"]))
                    counts["fields_total"] += n
                continue
            content = sr.get("content") or {}
            # the documented version first (it is the one sent); older versions of the official document may follow
            official_content = ((official.get("responses") or {}).get(r["status"]) or {}).get("content") or {}
            if list(content)[:1] != [r["media_type"]] or set(content) - {r["media_type"]} - set(official_content):
                errors.append(f"{label}: media types {list(content)} != [{r['media_type']}] + the official document's")
            else:
                counts["media_ok"] += 1
            if sr.get("description") != r["description"]:
                errors.append(f"{label}: description {sr.get('description')!r} != {r['description']!r}")
            if r["body"] is None:
                if content and any("schema" in media for media in content.values()):
                    errors.append(f"{label}: documented without body, spec has a schema")
                continue
            schema = (next(iter(content.values())) if content else {}).get("schema", {})
            check_body(S, r["body"], schema, label, errors, counts)
        documented = {r["status"] for r in op.responses}
        for extra in set(sresps) - documented - set(official.get("responses") or {}):
            errors.append(f"{where}: response {extra} in neither the pages nor the official document")
    documented_ops = {(op.path, op.method.lower()) for op in ops}
    for p, item in spec["paths"].items():
        for m in item:
            if (p, m) not in documented_ops and (p, m) not in UPSTREAM:
                errors.append(f"operation {m.upper()} {p} in neither the pages nor the official document")
    return counts, errors


def summary_line(c) -> str:
    return (
        f"coverage: {c['ops_ok']}/{c['ops_total']} operations, "
        f"{c['params_ok']}/{c['params_total']} parameters, "
        f"{c['fields_ok']}/{c['fields_total']} fields, "
        f"{c['enum_ok']}/{c['enum_total']} enum values, "
        f"{c['media_ok']}/{c['media_total']} media types"
    )


def test_docs_coverage(ops, spec, capsys):
    counts, errors = run_coverage(ops, spec)
    line = summary_line(counts)
    print(line)  # captured: shown with the failure report
    # and visible in plain runs (no -s): bypass pytest's capture for this one line
    with capsys.disabled():
        sys.__stderr__.write("\n" + line + "\n")
        sys.__stderr__.flush()
    assert counts["ops_total"] == EXPECTED_OPERATIONS, f"expected {EXPECTED_OPERATIONS} documented operations"
    assert not errors, f"{len(errors)} coverage problems:\n" + "\n".join(errors[:200])


def test_reader_sees_every_page(ops):
    assert len(ops) == EXPECTED_OPERATIONS
    for op in ops:
        assert op.operation_id and op.go_tag, op.title
        assert op.responses, op.title


# ---------------------------------------------------------------------------
# INDEX.tsv agrees with the spec

_TAG_WORDS = {
    # run-together Go names: brand names and acronyms stay whole, connectors lowercase
    "MongoDB": "MongoDB",
    "IP": "IP",
    "API": "API",
}
_TAG_SPECIAL = {
    "EncryptionatRestusingCustomerKeyManagementApi": "Encryption at Rest using Customer Key Management",
    "MonitoringandLogsApi": "Monitoring and Logs",
    "Shared - TierSnapshotsApi": "Shared-Tier Snapshots",
}


def go_tag_to_words(go: str) -> str:
    if go in _TAG_SPECIAL:
        return _TAG_SPECIAL[go]
    name = go[:-3] if go.endswith("Api") else go
    words = re.findall(r"MongoDB|[A-Z]{2,}(?=[A-Z][a-z]|$)|[A-Z][a-z]+|[a-z]+|\d+", name)
    return " ".join(words)


def test_tag_conversion_examples():
    assert go_tag_to_words("CloudBackupsApi") == "Cloud Backups"
    assert go_tag_to_words("ProjectIPAccessListApi") == "Project IP Access List"
    assert go_tag_to_words("MongoDBCloudUsersApi") == "MongoDB Cloud Users"
    assert go_tag_to_words("ProgrammaticAPIKeysApi") == "Programmatic API Keys"


def test_index_agrees_with_spec(docs_dir, spec):
    rows = atlas_docs.read_index(docs_dir)
    assert len(rows) == EXPECTED_OPERATIONS
    S = Spec(spec)
    problems = []
    for row in rows:
        where = f"{row['method']} {row['path']}"
        op = (spec["paths"].get(row["path"]) or {}).get(row["method"].lower())
        if op is None:
            problems.append(f"{where}: missing")
            continue
        if op["operationId"] != row["operationId"]:
            problems.append(f"{where}: operationId {op['operationId']} != {row['operationId']}")
        if op["tags"] != [go_tag_to_words(row["go_api_tag"])]:
            problems.append(f"{where}: tags {op['tags']} != [{go_tag_to_words(row['go_api_tag'])}]")
        if op["summary"] != row["title"]:
            problems.append(f"{where}: summary {op['summary']!r} != {row['title']!r}")
        upstream_deprecated = bool((UPSTREAM.get((row["path"], row["method"].lower())) or {}).get("deprecated"))
        if bool(op.get("deprecated")) != (row["deprecated"] == "yes" or upstream_deprecated):
            problems.append(f"{where}: deprecated mismatch")
        rb = op.get("requestBody")
        if row["request_media_type"] == "-":
            if rb:
                problems.append(f"{where}: unexpected request body")
        elif not rb or list(rb["content"])[:1] != [row["request_media_type"]]:
            problems.append(f"{where}: request media type != {row['request_media_type']}")
        success = [s for s in op["responses"] if s.startswith("2")]
        if success != [row["success_status"]]:
            problems.append(f"{where}: success statuses {success} != [{row['success_status']}]")
            continue
        content = op["responses"][row["success_status"]].get("content") or {}
        if list(content)[:1] != [row["success_media_type"]]:  # first: the version sent
            problems.append(
                f"{where}: success media type {list(content)} does not start with {row['success_media_type']}"
            )
            continue
        if row["paginated"] == "yes":
            schema = S.resolve(content[row["success_media_type"]].get("schema", {}))
            props = schema.get("properties") or {}
            ref = content[row["success_media_type"]]["schema"].get("$ref", "")
            if not ref.rsplit("/", 1)[-1].startswith("Paginated") or not {"results", "totalCount", "links"} <= set(
                props
            ):
                problems.append(f"{where}: paginated response is not a Paginated<Thing> envelope")
            elif props["totalCount"].get("format") != "int32" or props["totalCount"].get("minimum") != 0:
                problems.append(f"{where}: totalCount must be int32 with minimum 0")
    assert not problems, "\n".join(problems)
