#!/usr/bin/env python3
"""Assemble ``openapi/atlas-admin-v2.yaml`` from the Atlas doc pages.

    python openapi/assemble.py [--docs DIR] [--out FILE] [--report FILE] [--names FILE] [--check]

The doc pages are read by ``atlas_docs.py``; what their text rendering loses
(names of schemas, the union variants that only show up in examples, decisions
on contradictions) comes from ``overrides.yaml``.  The output is deterministic:
re-running without changes gives no diff.  ``--check`` exits 1 when the output
would differ from the checked-in file.

What the pages say (the page spec built from them and its ``# Decision:`` comments) is also written to
``documented-operations.json``, checked in: a clone without the pages (a user's, with no ``../shared``)
assembles from it instead, with one line on stderr saying so, to the same output.  ``--check`` compares it
with the pages too, and needs them (exit 3 without).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import atlas_docs  # noqa: E402

DEFAULT_OUT = HERE / "atlas-admin-v2.yaml"
OVERRIDES = HERE / "overrides.yaml"
LINK_DESCRIPTION = (
    "List of one or more Uniform Resource Locators (URLs) that point to API sub-resources, "
    "related API resources, or both. RFC 5988 outlines these relationships."
)


class BuildError(Exception):
    pass


PATTERN_NOTES: dict[int, str] = {}  # id(schema dict) -> why its documented pattern was rewritten


# ---------------------------------------------------------------------------
# intermediate schema model


class Obj:
    """An object schema that becomes a named component."""

    def __init__(self, hint, description=None, origin=None):
        self.hint = hint  # default name candidate
        self.name = None  # explicit name from overrides
        self.description = description or None
        self.props: dict[str, object] = {}
        self.required: list[str] = []
        self.additional = None
        self.origin = origin
        self.parent = None

    def __repr__(self):  # pragma: no cover
        return f"Obj({self.name or self.hint}, {list(self.props)})"


class Union:
    """A ``oneOf`` + discriminator component."""

    def __init__(self, name, prop, description=None):
        self.name = name
        self.prop = prop
        self.description = description or None
        self.variants: list[tuple[str, Obj]] = []
        self.comment = None
        self.pending: dict[str, list] = {}  # discriminator value -> example objects

    def variant(self, value):
        for v, o in self.variants:
            if v == value:
                return o
        return None


class StrUnion:
    """A string field documented with ``One of:`` (one enum list per variant)."""

    def __init__(self, description, variants):
        self.description = description
        self.variants = variants  # list of (component name, schema dict)


def pascal(name: str) -> str:
    name = name.lstrip("_")
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(p[:1].upper() + p[1:] for p in parts if p)


def singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses"):
        return name[:-2]
    if name.endswith("s") and not name.endswith(("ss", "us")):
        return name[:-1]
    return name


def _num(v: str, typ: str):
    if typ == "integer":
        return int(v)
    f = float(v)
    return int(f) if typ == "number" and f.is_integer() and "." not in v else f


def _typed(v: str, typ: str):
    if typ == "boolean":
        if v not in ("true", "false"):
            raise BuildError(f"boolean default {v!r}")
        return v == "true"
    if typ == "integer":
        return int(v)
    if typ == "number":
        return float(v)
    return v


# ---------------------------------------------------------------------------
# building schemas from doc field trees


class Builder:
    def __init__(self, ops, ov):
        self.ops = ops
        self.ov = ov
        self.unions: dict[str, Union] = {}
        self.union_locations = {}
        for uname, u in (ov.get("unions") or {}).items():
            for loc in u["locations"]:
                self.union_locations[loc] = uname
        self.used_union_locations = set()
        self.names = ov.get("schema_names") or {}
        self.used_names = set()
        self.comments: dict[tuple, str] = {}
        self.enum_names = ov.get("enum_names") or {}

    # -- primitive schema from a doc field -------------------------------
    def prim(self, f, typ=None, fmt=None):
        typ = typ or f["type"]
        s = {"type": typ}
        if fmt:
            s["format"] = fmt
        return s

    def constraints(self, s, f, typ):
        c = f["constraints"]
        if "enum" in c:
            s["enum"] = [_typed(v, typ) if typ != "string" else v for v in c["enum"]]
        if "pattern" in c:
            s["pattern"] = self.rewrite_pattern(c["pattern"], s)
        for k in ("minLength", "maxLength"):
            if k in c:
                s[k] = int(c[k])
        for k in ("minimum", "maximum"):
            if k in c:
                s[k] = _num(c[k], typ)
        if "default" in c:
            s["default"] = _typed(c["default"], typ)

    def rewrite_pattern(self, pattern, owner):
        rw = (self.ov.get("pattern_rewrites") or {}).get(pattern)
        if not rw:
            return pattern
        PATTERN_NOTES[id(owner)] = (owner, rw["why"])  # keep owner alive so ids stay unique
        return rw["to"]

    def field_schema(self, f, loc: str, path: str):
        """Schema for doc field ``f`` found at ``loc`` (op:where) / ``path``."""
        typ = f["type"]
        desc = f["description"] or None
        if typ == "object" or (f["one_of"] and typ != "string" and typ != "array"):
            node = self.object_node(f, loc, path)
            return node
        if typ == "array":
            s = {"type": "array"}
            if desc:
                s["description"] = desc
            item_t = f["items"]
            if item_t == "object" and not f["children"] and not f["one_of"]:
                s["items"] = {"type": "object"}  # free-form: the page documents no fields
            elif item_t == "object":
                s["items"] = self.object_node(f, loc, path + "[]", description=None)
            else:
                it = {"type": item_t}
                c = f["constraints"]
                if "enum" in c:
                    it["enum"] = [_typed(v, item_t) if item_t != "string" else v for v in c["enum"]]
                if "itemsPattern" in c:
                    it["pattern"] = c["itemsPattern"]
                s["items"] = it
            c = f["constraints"]
            if "minItems" in c:
                s["minItems"] = int(c["minItems"])
            if "maxItems" in c:
                s["maxItems"] = int(c["maxItems"])
            return s
        if f["one_of"] and typ == "string":
            # string union: one enum list per variant, only the first is rendered
            ename = self.enum_names.get(f["variant_description"])
            if not ename:
                raise BuildError(f"no enum_names entry for {f['variant_description']!r} at {loc}:{path}")
            es = {"type": "string", "description": f["variant_description"]}
            self.constraints(es, f, "string")
            s = {}
            if desc:
                s["description"] = desc
            s["oneOf"] = [(ename, es)]
            return StrUnion(desc, [(ename, es)])
        s = self.prim(f, typ, f["format"])
        if desc:
            s["description"] = desc
        self.constraints(s, f, typ)
        return s

    def object_node(self, f, loc, path, description="__field__"):
        desc = f["description"] if description == "__field__" else description
        key = f"{loc}:{path}" if path else loc
        if f["one_of"] or any(c["discriminator"] for c in f["children"]) or key in self.union_locations:
            return self.union_node(f, loc, path, desc)
        o = Obj(pascal(singular(path.rstrip("[]").split(".")[-1].rstrip("[]"))) if path else None, desc, key)
        if key in self.names:
            o.name = self.names[key]
        self.fill(o, f["children"], loc, path)
        return o

    def fill(self, o: Obj, children, loc, path):
        seen = {}
        for c in children:
            name = c["name"]
            if c["additional"]:
                s = self.field_schema(c, loc, f"{path}.*" if path else "*")
                o.additional = s
                continue
            if name in seen:
                if json.dumps(c, sort_keys=True, default=str) != seen[name]:
                    # the renderer repeated a bullet; keep the first
                    pass
                continue
            seen[name] = json.dumps(c, sort_keys=True, default=str)
            sub = f"{path}.{name}" if path else name
            s = self.field_schema(c, loc, sub)
            if isinstance(s, Obj):
                s.parent = o
            o.props[name] = s
            if c["required"]:
                o.required.append(name)

    def union_node(self, f, loc, path, desc):
        key = f"{loc}:{path}" if path else loc
        uname = self.union_locations.get(key)
        if not uname:
            raise BuildError(f"undeclared union at {key}; add it to overrides.yaml unions")
        self.used_union_locations.add(key)
        uov = self.ov["unions"][uname]
        disc_fields = [c for c in f["children"] if c["discriminator"]]
        prop = uov.get("discriminator") or (disc_fields[0]["name"] if disc_fields else None)
        if not prop:
            raise BuildError(f"no discriminator at {key}")
        first = Obj(None, f["variant_description"], key)
        self.fill(first, f["children"], loc, path)
        dschema = first.props[prop]
        value = uov.get("first_variant_value") or dschema.get("enum", [None])[0]
        if value is None:
            raise BuildError(f"no discriminator value at {key}")
        dschema = dict(dschema)
        dschema.pop("default", None)
        dschema["type"] = "string"
        dschema["enum"] = [value]
        first.props[prop] = dschema
        if prop not in first.required:
            first.required.insert(0, prop) if False else first.required.append(prop)
        first.required = [p for p in first.props if p in first.required]
        if uname in self.unions:
            u = self.unions[uname]
            have = u.variant(value)
            if have is None or canon(have) != canon(first):
                raise BuildError(f"union {uname}: first variant at {key} differs from earlier locations")
            return u
        u = Union(uname, prop, uov.get("description", desc))
        u.comment = uov.get("why")
        first.name = uname + self.suffix(value)
        u.variants.append((value, first))
        self.unions[uname] = u
        return u

    def suffix(self, value):
        table = self.ov.get("variant_suffixes") or {}
        return table.get(value) or pascal(value.lower())


def canon(node):
    """Structural JSON key of a node (for comparisons)."""

    def enc(n):
        if isinstance(n, Obj):
            return {
                "$obj": {
                    "d": n.description,
                    "p": [[k, enc(v)] for k, v in n.props.items()],
                    "r": n.required,
                    "a": enc(n.additional),
                }
            }
        if isinstance(n, Union):
            return {"$union": n.name}
        if isinstance(n, StrUnion):
            return {"$str": [n.description, [[a, b] for a, b in n.variants]]}
        if isinstance(n, dict):
            return {k: enc(v) for k, v in n.items()}
        if isinstance(n, list):
            return [enc(x) for x in n]
        if isinstance(n, tuple):
            return [enc(x) for x in n]
        return n

    return json.dumps(enc(node), sort_keys=True)


# ---------------------------------------------------------------------------
# request/response merging (readOnly)


def _eq_ignoring_ro(a, b):
    if isinstance(a, dict) and isinstance(b, dict):
        a2 = {k: v for k, v in a.items() if k != "readOnly"}
        b2 = {k: v for k, v in b.items() if k != "readOnly"}
        if set(a2) != set(b2):
            return False
        return all(_eq_ignoring_ro(a2[k], b2[k]) for k in a2)
    if isinstance(a, (Obj, Union, StrUnion)) or isinstance(b, (Obj, Union, StrUnion)):
        return merge_nodes(a, b) is not None
    return a == b


def merge_nodes(req, resp):
    """Merge a request-side node into a response-side node, or None if incompatible."""
    if isinstance(req, Union) or isinstance(resp, Union):
        return resp if req is resp else None
    if isinstance(req, StrUnion) or isinstance(resp, StrUnion):
        return resp if canon(req) == canon(resp) else None
    if isinstance(req, Obj) and isinstance(resp, Obj):
        if not set(req.props) <= set(resp.props):
            return None
        common = set(req.props)
        if [p for p in req.required] != [p for p in resp.required if p in common]:
            return None
        if any(p in resp.required for p in resp.props if p not in common):
            return None
        if canon(req.additional) != canon(resp.additional):
            return None
        merged = {}
        for k, v in resp.props.items():
            if k in common:
                m = merge_nodes(req.props[k], v)
                if m is None:
                    return None
                merged[k] = m
            else:
                merged[k] = v
        for k in merged:
            if k not in common and isinstance(merged[k], dict):
                merged[k] = dict(merged[k])
                merged[k]["readOnly"] = True
        o = Obj(resp.hint, resp.description, resp.origin)
        o.name = resp.name or req.name
        o.props = merged
        o.required = list(resp.required)
        o.additional = resp.additional
        for v in merged.values():
            if isinstance(v, Obj):
                v.parent = o
        return o
    if isinstance(req, dict) and isinstance(resp, dict):
        if req.get("type") == "array" and resp.get("type") == "array":
            a = {k: v for k, v in req.items() if k != "items"}
            b = {k: v for k, v in resp.items() if k not in ("items", "readOnly")}
            if a != b:
                return None
            m = merge_nodes(req["items"], resp["items"])
            if m is None:
                return None
            out = dict(resp)
            out["items"] = m
            return out
        return resp if _eq_ignoring_ro(req, resp) else None
    return None


# ---------------------------------------------------------------------------
# examples


def apply_example_fixes(op, ov, comments_out):
    """Apply overrides.example_fixes to the examples of ``op`` (in place)."""
    for fx in ov.get("example_fixes") or []:
        if fx["operation"] != op.operation_id:
            continue
        where = str(fx["where"])
        exs = op.request_examples if where == "request" else op.response_examples.get(where, [])
        idx = fx.get("index", 0)
        label, value = exs[idx]
        target = value
        path = fx.get("path", [])
        if isinstance(path, str):
            path = [p for p in path.split("/") if p]
        for p in path[:-1]:
            target = target[int(p)] if isinstance(target, list) else target[p]
        last = path[-1] if path else None
        if "rename_key" in fx:
            newd = {}
            for k, v in target.items():
                newd[fx["rename_key"] if k == last else k] = v
            target.clear()
            target.update(newd)
        elif "set" in fx:
            if isinstance(target, list):
                target[int(last)] = fx["set"]
            else:
                target[last] = fx["set"]
        elif fx.get("remove_key"):
            del target[last]
        elif "label" in fx:
            pass
        elif fx.get("drop"):
            exs.pop(idx)
            comments_out.append((op.operation_id, where, None, fx["why"]))
            continue
        else:
            raise BuildError(f"example fix without action: {fx}")
        if "label" in fx:
            exs[idx] = (fx["label"], value)
            label = fx["label"]
        comments_out.append((op.operation_id, where, label, fx["why"]))


def infer_schema(value, key=None, links=True):
    if key == "links" and links and isinstance(value, list):
        return {"type": "array", "description": LINK_DESCRIPTION, "readOnly": True, "items": "$Link"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})", value):
            return {"type": "string", "format": "date-time"}
        return {"type": "string"}
    if isinstance(value, list):
        return {"type": "array", "items": infer_schema(value[0]) if value else {}}
    if isinstance(value, dict):
        o = Obj(pascal(key or "Inline"))
        for k, v in value.items():
            o.props[k] = infer_schema(v, k)
        return o
    return {}


PLACEHOLDERS = ("string", 42)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def violations(schema: dict, value) -> list[str]:
    """Constraint violations of a primitive example value (pattern/format/range/enum)."""
    out = []
    if not isinstance(schema, dict) or schema.get("type") in (None, "object", "array"):
        return out
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append("pattern")
        if schema.get("format") == "uuid" and not _UUID.match(value):
            out.append("format")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append("minimum")
        if "maximum" in schema and value > schema["maximum"]:
            out.append("maximum")
    if "enum" in schema and value not in schema["enum"]:
        out.append("enum")
    return out


class ExampleWalker:
    def __init__(self, ov=None):
        self.obj_link_hits = set()
        self.ctx = None  # (operationId, where, label)
        self.fixes = (ov or {}).get("placeholder_values") or {}
        self.fixed: dict[tuple, list[str]] = {}

    def check(self, schema, container, key):
        value = container[key]
        bad = violations(schema, value)
        if not bad:
            return
        if value in PLACEHOLDERS and key in self.fixes:
            new = self.fixes[key]
            if violations(schema, new):
                raise BuildError(f"placeholder_values[{key}] = {new!r} violates its schema too")
            container[key] = new
            self.fixed.setdefault(self.ctx, []).append(f"{key}: {value!r} -> {new!r}")
            return
        raise BuildError(
            f"example value {key}={value!r} violates {bad} at {self.ctx}; add a decision to overrides.yaml"
        )

    def walk(self, node, value):
        if isinstance(node, Obj):
            if not isinstance(value, dict):
                return
            if "links" in value and "links" not in node.props:
                self.obj_link_hits.add(id(node))
                node.props["links"] = {
                    "type": "array",
                    "description": LINK_DESCRIPTION,
                    "readOnly": True,
                    "items": "$Link",
                }
            for k in list(value):
                if k in node.props:
                    if isinstance(node.props[k], dict) and self.ctx is not None:
                        self.check(node.props[k], value, k)
                    self.walk(node.props[k], value[k])
            if node.additional is not None:
                for k, v in value.items():
                    if k not in node.props:
                        self.walk(node.additional, v)
        elif isinstance(node, Union):
            if not isinstance(value, dict):
                return
            dv = value.get(node.prop)
            var = node.variant(dv)
            if var is not None:
                self.walk(var, value)
            else:
                lst = node.pending.setdefault(dv, [])
                if value not in lst:
                    lst.append(value)
        elif isinstance(node, dict) and node.get("type") == "array" and isinstance(value, list):
            for v in value:
                self.walk(node.get("items"), v)


def recover_variants(u: Union, ov):
    _first_val, first = u.variants[0]
    uov = (ov.get("unions") or {}).get(u.name) or {}
    vov = uov.get("variants") or {}
    for dv in sorted(u.pending, key=lambda x: (x is None, str(x))):
        samples = u.pending[dv]
        if dv is None:
            raise BuildError(f"union {u.name}: example without discriminator {u.prop}: {samples}")
        o = Obj(None, (vov.get(dv) or {}).get("description"))
        o.name = u.name + ((vov.get(dv) or {}).get("suffix") or Builder.suffix_static(ov, dv))
        keys = []
        for s in samples:
            for k in s:
                if k not in keys:
                    keys.append(k)
        ordered = (
            [u.prop]
            + [k for k in first.props if k in keys and k != u.prop]
            + [k for k in keys if k not in first.props and k != u.prop]
        )
        for k in ordered:
            if k == u.prop:
                d = dict(first.props[u.prop])
                d["enum"] = [dv]
                o.props[k] = d
            elif k in first.props:
                o.props[k] = first.props[k]
            else:
                o.props[k] = infer_schema(samples[0].get(k), k)
        req = [u.prop]
        for k in ordered:
            if k != u.prop and k in first.required and all(k in s for s in samples):
                req.append(k)
        drop = set((vov.get(dv) or {}).get("not_required") or [])
        o.required = [k for k in o.props if k in req and k not in drop]
        u.variants.append((dv, o))
    u.pending = {}


def _suffix_static(ov, value):
    table = ov.get("variant_suffixes") or {}
    return table.get(value) or pascal(value.lower())


Builder.suffix_static = staticmethod(_suffix_static)


# ---------------------------------------------------------------------------
# component naming and emission


class Namer:
    def __init__(self, builder: Builder):
        self.b = builder
        self.by_canon: dict[str, str] = {}
        self.schemas: dict[str, dict] = {}
        self.taken: dict[str, str] = {}  # name -> canon
        self.order: list[str] = []

    def ref(self, name):
        return {"$ref": f"#/components/schemas/{name}"}

    def schema(self, node, parent_name=None):
        """Return the final schema dict for ``node`` (registering components)."""
        if isinstance(node, Obj):
            return self.ref(self.register_obj(node, parent_name))
        if isinstance(node, Union):
            return self.ref(self.register_union(node))
        if isinstance(node, StrUnion):
            out = {}
            if node.description:
                out["description"] = node.description
            out["oneOf"] = []
            for ename, es in node.variants:
                self.put(ename, es)
                out["oneOf"].append(self.ref(ename))
            return out
        if isinstance(node, dict):
            out = {}
            for k, v in node.items():
                if k == "items":
                    if v == "$Link":
                        out[k] = self.ref("Link")
                    else:
                        out[k] = self.schema(v, parent_name)
                else:
                    out[k] = v
            return out
        raise BuildError(f"bad node {node!r}")

    def put(self, name, schema):
        c = json.dumps(schema, sort_keys=True)
        if name in self.taken:
            if self.taken[name] != c:
                raise BuildError(f"component name clash: {name}")
            return
        self.taken[name] = c
        self.schemas[name] = schema
        self.order.append(name)

    def obj_schema(self, node: Obj, name):
        s = {"type": "object"}
        if node.description:
            s["description"] = node.description
        if node.required:
            s["required"] = list(node.required)
        if node.props:
            s["properties"] = {k: self.schema(v, name) for k, v in node.props.items()}
            for k, v in node.props.items():
                if id(v) in PATTERN_NOTES and PATTERN_NOTES[id(v)][0] is v:
                    self.b.comments[("components", "schemas", name, "properties", k, "pattern")] = (
                        "Decision: " + PATTERN_NOTES[id(v)][1].strip()
                    )
        if node.additional is not None:
            s["additionalProperties"] = self.schema(node.additional, name)
        return s

    def register_obj(self, node: Obj, parent_name=None):
        if getattr(node, "_final", None):
            return node._final
        # name candidates
        if node.name:
            cands = [node.name]
        else:
            base = node.hint or "Inline"
            cands = [base]
            if parent_name:
                cands.append(parent_name + base)
            cands += [f"{parent_name or ''}{base}{i}" for i in range(2, 50)]
        # build the schema with a provisional name for children
        chosen = None
        for cand in cands:
            s = self.obj_schema(node, cand)
            c = json.dumps(s, sort_keys=True)
            if c in self.by_canon and not node.name:
                chosen = self.by_canon[c]
                break
            if cand not in self.taken or self.taken[cand] == c:
                chosen = cand
                self.by_canon.setdefault(c, cand)
                self.put(cand, s)
                break
            if node.name:
                raise BuildError(f"explicit schema name {cand} used for two different shapes")
        node._final = chosen
        return chosen

    def register_union(self, u: Union):
        if u.name in self.schemas:
            return u.name
        refs = []
        mapping = {}
        for value, o in u.variants:
            n = self.register_obj(o, u.name)
            refs.append(self.ref(n))
            mapping[value] = f"#/components/schemas/{n}"
        s = {}
        if u.description:
            s["description"] = u.description
        s["oneOf"] = refs
        s["discriminator"] = {"propertyName": u.prop, "mapping": mapping}
        self.put(u.name, s)
        if u.comment:
            self.b.comments[("components", "schemas", u.name)] = "Decision: " + " ".join(u.comment.split())
        return u.name


# ---------------------------------------------------------------------------
# YAML emitter (deterministic, supports comments)

_plain_cache: dict[str, bool] = {}
_PLAIN = re.compile(r"^[A-Za-z_/$][A-Za-z0-9_ .,/()+'$-]*$")


def _is_plain(s: str) -> bool:
    if s in _plain_cache:
        return _plain_cache[s]
    ok = bool(_PLAIN.match(s)) and not s.endswith(" ") and "  " not in s
    if ok:
        try:
            ok = yaml.safe_load(s) == s
        except yaml.YAMLError:
            ok = False
    _plain_cache[s] = ok
    return ok


def _scalar(v) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return v if _is_plain(v) else json.dumps(v, ensure_ascii=False)
    raise TypeError(type(v))


def emit_yaml(node, comments: dict, path=(), indent=0) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    if isinstance(node, dict):
        for k, v in node.items():
            p = (*path, k)
            if p in comments:
                for para in comments[p].strip().split("\n"):
                    for line in textwrap.wrap(para, 100, break_on_hyphens=False, break_long_words=False) or [""]:
                        out.append(f"{pad}# {line}".rstrip())
            key = _scalar(str(k))
            if (isinstance(v, dict) and v) or (isinstance(v, list) and v):
                out.append(f"{pad}{key}:")
                out.extend(emit_yaml(v, comments, p, indent + 2))
            elif isinstance(v, dict):
                out.append(f"{pad}{key}: {{}}")
            elif isinstance(v, list):
                out.append(f"{pad}{key}: []")
            else:
                out.append(f"{pad}{key}: {_scalar(v)}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            p = (*path, i)
            if isinstance(v, (dict, list)) and v:
                sub = emit_yaml(v, comments, p, indent + 2)
                for j, line in enumerate(sub):
                    if not line.lstrip().startswith("#"):
                        sub[j] = pad + "- " + line[indent + 2 :]
                        break
                out.extend(sub)
            elif isinstance(v, dict):
                out.append(f"{pad}- {{}}")
            elif isinstance(v, list):
                out.append(f"{pad}- []")
            else:
                out.append(f"{pad}- {_scalar(v)}")
    else:
        out.append(pad + _scalar(node))
    return out


# ---------------------------------------------------------------------------
# the spec


def param_object(b, f, location):
    s = {"type": f["type"]}
    if f["format"]:
        s["format"] = f["format"]
    b.constraints(s, f, f["type"])
    if f["type"] == "array":
        raise BuildError("array parameter not supported")
    p = {"name": f["name"], "in": location}
    if f["description"]:
        p["description"] = f["description"]
    p["required"] = True if location == "path" else bool(f["required"])
    p["schema"] = s
    return p


def build(ops, ov):
    b = Builder(ops, ov)
    ex_comments: list = []
    idx = {op.operation_id: op for op in ops}
    if len(idx) != len(ops):
        raise BuildError("duplicate operationIds")
    for op in ops:
        apply_example_fixes(op, ov, ex_comments)

    # ---- error schema (identical on every page) ----
    error_trees = set()
    error_node = None
    for op in ops:
        for r in op.responses:
            if r["media_type"] == "application/json":
                c = json.dumps(r["body"]["children"], sort_keys=True, default=str)
                c = re.sub(r'"line": \d+', "", c)
                error_trees.add(c)
                if error_node is None:
                    error_node = b.object_node(r["body"], "error", "", description=None)
    if len(error_trees) != 1:
        raise BuildError(f"error bodies differ across pages ({len(error_trees)} shapes)")
    error_node.name = "ApiError"

    # ---- operation bodies ----
    op_nodes = {}
    for op in ops:
        oid = op.operation_id
        req = None
        if op.request:
            req = b.object_node(op.request["body"], f"{oid}:request", "", description=None)
        resps = {}
        for r in op.responses:
            if r["media_type"] == "application/json" or r["body"] is None:
                continue
            node = b.object_node(r["body"], f"{oid}:{r['status']}", "", description=r["body"]["description"] or None)
            aov = (ov.get("array_responses") or {}).get(oid)
            if aov:
                node = {"type": "array", "items": node}
            resps[r["status"]] = node
        op_nodes[oid] = [req, resps]

    unused = set(b.union_locations) - b.used_union_locations
    if unused:
        raise BuildError(f"overrides.yaml unions list locations with no union in the docs: {sorted(unused)}")

    # ---- request/response merges ----
    for oid, (req, resps) in op_nodes.items():
        if req is None or not isinstance(req, Obj):
            continue
        succ = [s for s in resps if s.startswith("2")]
        if len(succ) != 1 or not isinstance(resps[succ[0]], Obj):
            continue
        m = merge_nodes(req, resps[succ[0]])
        if m is not None and oid not in (ov.get("no_merge") or []):
            if req.name and resps[succ[0]].name and req.name != resps[succ[0]].name:
                m.name = resps[succ[0]].name
            op_nodes[oid] = [m, {**resps, succ[0]: m}]

    # ---- walk examples: links, union variants ----
    walker = ExampleWalker(ov)
    for _ in range(3):  # recovered variants may hold nested unions/objects
        for op in ops:
            req, resps = op_nodes[op.operation_id]
            if req is not None:
                for i, (_label, v) in enumerate(op.request_examples):
                    walker.ctx = (op.operation_id, "request", _label, i)
                    walker.walk(req, v)
            for st, node in resps.items():
                for i, (_label, v) in enumerate(op.response_examples.get(st, [])):
                    walker.ctx = (op.operation_id, st, _label, i)
                    if isinstance(node, dict) and node.get("type") == "array" and not isinstance(v, list):
                        raise BuildError(f"{op.operation_id} {st}: array response with object example")
                    if isinstance(node, (Obj, Union)) and isinstance(v, list):
                        raise BuildError(
                            f"{op.operation_id} {st}: example is an array; declare it in overrides.array_responses"
                        )
                    walker.walk(node, v)
        for u in b.unions.values():
            if u.pending:
                recover_variants(u, ov)
                # walk the samples into the new variants

    # ---- paginated envelopes ----
    for op in ops:
        req, resps = op_nodes[op.operation_id]
        for node in resps.values():
            if isinstance(node, Obj) and set(node.props) - {"links"} == {"results", "totalCount"}:
                if "links" not in node.props:
                    node.props["links"] = {
                        "type": "array",
                        "description": LINK_DESCRIPTION,
                        "readOnly": True,
                        "items": "$Link",
                    }
                # results, totalCount, links order
                node.props = {k: node.props[k] for k in ("links", "results", "totalCount")}
                items = node.props["results"]["items"]
                iname = items.name if isinstance(items, (Obj, Union)) else None
                if not iname:
                    raise BuildError(f"{op.operation_id}: name the paginated items in overrides.schema_names")
                node.name = node.name or f"Paginated{iname}"

    # ---- links everywhere an identical shape has them ----
    # (lossy rendering: an entity that shows links in one example has them everywhere)

    # ---- emit ----
    namer = Namer(b)
    namer.put(
        "Link",
        {
            "type": "object",
            "properties": {
                "href": {
                    "type": "string",
                    "description": "Uniform Resource Locator (URL) that points another API resource to which this response has some relationship. This URL often begins with `https://cloud.mongodb.com/api/atlas`.",
                },
                "rel": {
                    "type": "string",
                    "description": "Uniform Resource Locator (URL) that defines the semantic relationship between this resource and another API resource. This URL often begins with `https://cloud.mongodb.com/api/atlas`.",
                },
            },
        },
    )
    namer.schema(error_node)

    tags_table = ov["tags"]
    paths: dict = {}
    param_defs: dict = {}  # canon -> param
    param_uses: dict = {}  # canon -> count
    for op in ops:
        for f in op.path_params:
            p = param_object(b, f, "path")
            c = json.dumps(p, sort_keys=True)
            param_defs[c] = p
            param_uses[c] = param_uses.get(c, 0) + 1
        for f in op.query_params:
            p = param_object(b, f, "query")
            c = json.dumps(p, sort_keys=True)
            param_defs[c] = p
            param_uses[c] = param_uses.get(c, 0) + 1
    shared_names = set(ov.get("shared_parameters") or [])
    # choose component names: the most used definition of a name gets the bare name
    comp_params: dict[str, str] = {}  # canon -> component key
    by_name: dict[str, list] = {}
    for c, p in param_defs.items():
        by_name.setdefault(p["name"], []).append(c)
    for name in sorted(by_name):
        defs = sorted(by_name[name], key=lambda c: (-param_uses[c], c))
        n = 0
        for c in defs:
            if param_uses[c] >= 2 or (name in shared_names and c == defs[0]):
                n += 1
                comp_params[c] = name if n == 1 else f"{name}{n}"
    components_parameters = {}
    for c, key in sorted(comp_params.items(), key=lambda kv: kv[1]):
        components_parameters[key] = param_defs[c]

    used_tags = []
    for op in ops:
        oid = op.operation_id
        tag = tags_table.get(op.go_tag)
        if not tag:
            raise BuildError(f"no tag for Go API {op.go_tag!r}")
        if tag not in used_tags:
            used_tags.append(tag)
        o = {"tags": [tag], "summary": op.title, "description": op.description, "operationId": oid}
        params = []
        for f, where in [(f, "path") for f in op.path_params] + [(f, "query") for f in op.query_params]:
            p = param_object(b, f, where)
            c = json.dumps(p, sort_keys=True)
            if c in comp_params:
                params.append({"$ref": f"#/components/parameters/{comp_params[c]}"})
            else:
                params.append(p)
        if params:
            o["parameters"] = params
        req, resps = op_nodes[oid]
        if op.request:
            media = {"schema": namer.schema(req)}
            add_examples(media, op.request_examples)
            rb = {}
            if op.request["body"]["description"]:
                rb["description"] = op.request["body"]["description"]
            rb["content"] = {op.request["media_type"]: media}
            rb["required"] = bool(op.request["required"])
            o["requestBody"] = rb
        responses = {}
        for r in op.responses:
            st = r["status"]
            resp = {"description": r["description"] or "No description."}
            if r["media_type"] == "application/json":
                media = {"schema": {"$ref": "#/components/schemas/ApiError"}}
                add_examples(media, op.response_examples.get(st, []))
                resp["content"] = {"application/json": media}
            elif r["body"] is None:
                if op.response_examples.get(st):
                    raise BuildError(f"{oid} {st}: examples for a response without body")
                resp["content"] = {r["media_type"]: {}}
            else:
                media = {"schema": namer.schema(resps[st])}
                add_examples(media, op.response_examples.get(st, []))
                resp["content"] = {r["media_type"]: media}
                why = (ov.get("array_responses") or {}).get(oid)
                if why and st.startswith("2"):
                    key = ("paths", op.path, op.method.lower(), "responses", st, "content", r["media_type"], "schema")
                    b.comments[key] = "Decision: " + why.strip()
            responses[st] = resp
        o["responses"] = responses
        if op.deprecated:
            o["deprecated"] = True
        paths.setdefault(op.path, {})[op.method.lower()] = o

    # comments for example fixes
    for (oid, where, label, _i), changes in walker.fixed.items():
        why = (ov.get("placeholder_values_why") or "").strip() + " " + "; ".join(changes) + "."
        ex_comments.append((oid, where, label, why))
    for oid, where, label, why in ex_comments:
        op = idx[oid]
        if where == "request":
            media_path = ("paths", op.path, op.method.lower(), "requestBody", "content", op.request["media_type"])
        else:
            r = op.response(where)
            media_path = ("paths", op.path, op.method.lower(), "responses", where, "content", r["media_type"])
        exs = op.request_examples if where == "request" else op.response_examples.get(where, [])
        if label is not None and len(exs) > 1:
            key = (*media_path, "examples", label)
        else:
            key = media_path + (("examples",) if len(exs) > 1 else ("example",))
        prev = b.comments.get(key)
        b.comments[key] = (prev + "\n" if prev else "") + "Decision: " + " ".join(why.split())

    for key, why in (ov.get("comments") or {}).items():
        path = tuple(int(p) if p.isdigit() else p for p in key.split("|"))
        prev = b.comments.get(path)
        b.comments[path] = (prev + "\n" if prev else "") + "Decision: " + why.strip()

    tag_list = []
    for tag in sorted(used_tags):
        tag_list.append(
            {"name": tag, "description": (ov.get("tag_descriptions") or {}).get(tag, f"Operations of the {tag} API.")}
        )

    spec = {
        "openapi": "3.0.3",
        "info": {
            "title": "MongoDB Atlas Administration API",
            "version": "2.0",
            "description": ov["info_description"].strip(),
            "contact": dict(ov["info_contact"]),
        },
        "servers": [{"url": "https://cloud.mongodb.com"}],
        "security": [{"ServiceAccounts": []}, {"DigestAuth": []}],
        "tags": tag_list,
        "paths": {p: paths[p] for p in sorted(paths)},
        "components": {
            "parameters": components_parameters,
            "schemas": {k: namer.schemas[k] for k in sorted(namer.schemas)},
            "securitySchemes": {
                "DigestAuth": {"type": "http", "scheme": "digest"},
                "ServiceAccounts": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 client credentials flow for Atlas Service Accounts.",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://cloud.mongodb.com/api/oauth/token",
                            "scopes": {},
                        }
                    },
                },
            },
        },
    }
    for path in list(b.comments):
        if not _has_path(spec, path):
            raise BuildError(f"comment target missing in spec: {path}")
    return spec, b.comments


def _has_path(spec, path):
    cur = spec
    for p in path:
        if (isinstance(cur, dict) and p in cur) or (isinstance(cur, list) and isinstance(p, int) and p < len(cur)):
            cur = cur[p]
        else:
            return False
    return True


def add_examples(media, examples):
    if not examples:
        return
    if len(examples) == 1:
        media["example"] = examples[0][1]
        return
    out = {}
    for i, (label, value) in enumerate(examples):
        label = label or f"Example{i + 1}"
        if label in out:
            raise BuildError(f"duplicate example label {label}")
        out[label] = {"summary": label, "value": value}
    media["examples"] = out


HEADER = """\
# MongoDB Atlas Administration API v2: every operation of the official document, with the doc pages' verified facts.
# GENERATED by openapi/assemble.py from openapi/upstream/atlas-api.yaml, the doc pages and openapi/overrides.yaml
# (the rule that combines them: openapi/README.md; every disagreement: openapi/DISAGREEMENTS.md).
# Do not edit by hand: edit overrides.yaml (or the reader) and re-run the assembler.
"""

DISAGREEMENTS = HERE / "DISAGREEMENTS.md"
NAMES = HERE / "templates" / "atlas_official_names.jinja"
PAGE_FACTS = HERE / "documented-operations.json"
EXIT_OUT_OF_DATE = 1
EXIT_ERROR = 2
EXIT_NO_DOCS = 3  # neither the doc pages nor their checked-in facts (--check: no pages): nothing done
PAGE_FACTS_NOTE = (
    "GENERATED by openapi/assemble.py from the doc pages (and the reader's parts of openapi/overrides.yaml): "
    "what they document, for assembling without the pages. Checked by assemble.py --check; do not edit by hand."
)


def _load_yaml(text: str):
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def render_disagreements(records, notes) -> str:
    """The generated report: every place where the pages and the official document differ, and the decision."""
    lines = [
        "# Where the doc pages and the official document disagree",
        "",
        "Generated by `openapi/assemble.py` (checked by `assemble.py --check`): do not edit by hand.",
        'The rule that decides is in `openapi/README.md` ("The rule"). Locations are an operation',
        "(`METHOD path`, then `request` or a status) or a component of `atlas-admin-v2.yaml` (dotted properties,",
        '`[]` for array items). `-` means "does not say".',
        "",
        f"{len(records)} entries.",
        "",
        "| where | aspect | pages | official document | decision |",
        "|---|---|---|---|---|",
    ]

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    for r in records:
        lines.append(f"| `{cell(r.where)}` | {r.aspect} | {cell(r.pages)} | {cell(r.upstream)} | {r.decision} |")
    if notes:
        lines += ["", "## Changes made to the official document on reading it", ""]
        lines += [f"* {note}" for note in notes]
    return "\n".join(lines) + "\n"


def render_page_facts(page_spec, comments: dict) -> str:
    """``documented-operations.json``: the page spec in build order and its comments (paths as lists), sorted."""
    rows = sorted(([list(path), text] for path, text in comments.items()), key=lambda row: json.dumps(row[0]))
    body = {"note": PAGE_FACTS_NOTE, "page_spec": page_spec, "comments": rows}
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def load_page_facts(text: str) -> tuple[dict, dict]:
    """The page spec and comments that ``render_page_facts`` wrote."""
    body = json.loads(text)
    return body["page_spec"], {tuple(path): comment for path, comment in body["comments"]}


def render_all(docs_dir=None, page_facts: str | None = None) -> tuple[str, str, str, str]:
    """The spec YAML, the disagreement report, the official-name table for the facade template and the page facts.

    The page spec comes from the doc pages in ``docs_dir``, or, given ``page_facts`` (the text of
    ``documented-operations.json``), from that instead of the pages.
    """
    import merge
    import upstream

    ov = _load_yaml(OVERRIDES.read_text(encoding="utf-8"))
    if page_facts is None:
        page_spec, comments = build(atlas_docs.read_docs(docs_dir), ov)
        # What is cached is what merge would have been given: a JSON copy (merge must not depend on sharing).
        page_facts = render_page_facts(page_spec, comments)
    page_spec, comments = load_page_facts(page_facts)
    official, notes = upstream.normalize(upstream.load(), pattern_rewrites=ov.get("pattern_rewrites") or {})
    spec, records = merge.merge(page_spec, official, ov)
    spec["openapi"] = "3.0.3"
    spec["info"] = {
        **{k: v for k, v in official["info"].items() if not k.startswith("x-")},
        "description": ov["info_description"].strip(),
    }
    spec.pop("x-externalLinks", None)
    spec.pop("x-topics", None)
    check_names(spec)
    text = HEADER + "\n".join(emit_yaml(spec, comments)) + "\n"
    back = _load_yaml(text)
    if back != json.loads(json.dumps(spec)):
        raise BuildError("YAML emitter round-trip mismatch")
    return text, render_disagreements(records, notes), render_names(spec), page_facts


def operation_names(spec) -> list[tuple[str, str, str]]:
    """(tag, method name, official name) of every operation, snake_case: what the facade offers."""
    from openapi_python_client.strings import snake_case

    rows = []
    for item in spec["paths"].values():
        for method in ("get", "put", "post", "delete", "patch"):
            if method in item:
                op = item[method]
                official = op.get("x-atlas-official-name", op["operationId"])
                rows.append((op["tags"][0], snake_case(op["operationId"]), snake_case(official)))
    return sorted(rows)


def check_names(spec) -> None:
    """No two operations (nor an operation and an official-name alias) may share a name: fail the build."""
    seen: dict[str, str] = {}
    for tag, name, official in operation_names(spec):
        for candidate in {name, official}:
            if candidate in seen and seen[candidate] != name:
                raise BuildError(f"operation name collision: {candidate} ({seen[candidate]} and {name}, tag {tag})")
            seen[candidate] = name


def render_names(spec) -> str:
    """The Jinja table the facade template reads: method name -> official name, where they differ."""
    aliases = {name: official for _tag, name, official in operation_names(spec) if name != official}
    body = ",\n".join(f'    "{name}": "{official}"' for name, official in sorted(aliases.items()))
    return (
        "{# GENERATED by openapi/assemble.py from the spec: do not edit by hand. The documented operations keep the\n"
        "   method names of the doc pages; their official names (x-xgen-operation-id-override, else operationId)\n"
        "   are class attributes bound to the same function. #}\n"
        "{% set official_names = {\n" + body + "\n} %}\n"
    )


def render(docs_dir=None) -> str:
    return render_all(docs_dir)[0]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--docs", default=None, help="doc pages dir (default: $ATLAS_DOCS_DIR or <repo>/../shared/atlas-docs)"
    )
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--report", default=str(DISAGREEMENTS), help="the disagreement report to write or check")
    ap.add_argument("--names", default=str(NAMES), help="the official-name table (a facade template) to write or check")
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the output differs from --out / --report / --names / the page facts",
    )
    args = ap.parse_args(argv)
    docs = args.docs or atlas_docs.default_docs_dir()
    cached = None
    if not Path(docs).is_dir():
        if args.check or not PAGE_FACTS.is_file():
            what = "nothing checked" if args.check else f"nor {_shown(PAGE_FACTS)}: nothing assembled"
            print(f"assemble: doc pages not found at {docs} (set ATLAS_DOCS_DIR): {what}", file=sys.stderr)
            return EXIT_NO_DOCS
        print(
            f"assemble: doc pages not found at {docs}: using the checked-in page facts {_shown(PAGE_FACTS)}",
            file=sys.stderr,
        )
        cached = PAGE_FACTS.read_text(encoding="utf-8")
    try:
        text, report, names, facts = render_all(docs, page_facts=cached)
    except Exception as e:  # BuildError, MergeError
        print(f"assemble: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_ERROR
    out, report_path = Path(args.out), Path(args.report)
    outputs = [(out, text), (report_path, report), (Path(args.names), names)]
    if cached is None:
        outputs.append((PAGE_FACTS, facts))
    if args.check:
        stale = [
            str(path) for path, want in outputs if (path.read_text(encoding="utf-8") if path.exists() else None) != want
        ]
        if stale:
            print(f"{', '.join(stale)} out of date; run python openapi/assemble.py", file=sys.stderr)
            return EXIT_OUT_OF_DATE
        return 0
    for path, want in outputs:
        path.write_text(want, encoding="utf-8")
    return 0


def _shown(path: Path) -> str:
    """``path`` relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(HERE.parent))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
