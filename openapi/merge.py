"""Merge the spec built from the doc pages into the official document (see openapi/README.md, "The rule").

The official document is the base. For the operations the pages document (matched by method and path) the
pages are the verified source: their operations and schemas replace upstream's, keeping our component names,
and upstream adds what the pages lack (properties, enum values, union variants, parameters, media-type
versions). Where both say something different about the same thing (type, required, pattern, format...), the
page wins. Every difference is recorded as a `Disagreement` with its decision.

Upstream schemas that correspond to a page schema (found by walking both operations side by side) are
replaced by the page schema everywhere, so one resource has one class (``CustomDatabaseRole``, not also
``UserCustomDBRole``). An upstream schema whose name a page schema already uses for something else is renamed
(``overrides.yaml`` ``upstream_renames`` names it; an unnamed collision fails the build).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from upstream import METHODS, SCHEMA_REF, _ref_name, apply_versions, choose_version


class MergeError(Exception):
    pass


@dataclass(frozen=True, order=True)
class Disagreement:
    where: str  # "<METHOD path>" or "<component>[.property...]"
    aspect: str  # type, required, pattern, enum, variant, property, version, parameter, ...
    pages: str
    upstream: str
    decision: str


def _kind(schema: dict[str, Any]) -> str:
    if "oneOf" in schema or "anyOf" in schema:
        return "union"
    if schema.get("type") == "array" or "items" in schema:
        return "array"
    if schema.get("type") == "object" or "properties" in schema:
        return "object"
    return str(schema.get("type", "any"))


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 120 else text[:117] + "..."


class Merger:
    def __init__(self, page: dict[str, Any], upstream: dict[str, Any], overrides: dict[str, Any]) -> None:
        self.page = page
        self.up = upstream
        self.P = page["components"]["schemas"]
        self.U = upstream["components"]["schemas"]
        self.renames: dict[str, str] = dict(overrides.get("upstream_renames") or {})
        self.apart: set[str] = set(overrides.get("upstream_kept_apart") or [])
        self.records: set[Disagreement] = set()
        self.pairs: dict[str, set[str]] = {}  # upstream component -> page components it corresponds to
        self.seen: set[tuple[str, str]] = set()
        self.additions: list[tuple[dict[str, Any], str, dict[str, Any]]] = []  # (page object, property, upstream)
        self.variant_additions: list[tuple[dict[str, Any], str, str]] = []  # (page union, value, upstream variant)
        self.copied: list[tuple[Any, Any]] = []  # (container, key) of upstream pieces copied into page operations

    def note(self, where: str, aspect: str, pages: Any, upstream: Any, decision: str) -> None:
        self.records.add(Disagreement(where, aspect, _short(pages), _short(upstream), decision))

    # ------------------------------------------------------------------ walking both sides
    def resolve_p(self, node: dict[str, Any]) -> dict[str, Any]:
        name = _ref_name(node)
        return self.P[name] if name else node

    def resolve_u(self, node: dict[str, Any]) -> dict[str, Any]:
        name = _ref_name(node)
        return self.U[name] if name else node

    def walk(self, p: dict[str, Any], u: dict[str, Any], where: str) -> None:
        pn, un = _ref_name(p), _ref_name(u)
        if un is not None and pn is not None:
            self.pairs.setdefault(un, set()).add(pn)
            if (pn, un) in self.seen:
                return
            self.seen.add((pn, un))
            where = pn
        self.compare(self.resolve_p(p), self.resolve_u(u), where)

    def compare(self, p: dict[str, Any], u: dict[str, Any], where: str) -> None:
        kp, ku = _kind(p), _kind(u)
        if kp != ku:
            if {kp, ku} == {"integer", "number"} or "any" in (kp, ku):
                self.note(where, "type", kp, ku, "pages win")
                return
            self.note(where, "kind", kp, ku, "pages win")
            return
        if kp == "union":
            self.compare_unions(p, u, where)
        elif kp == "array":
            if "items" in p and "items" in u:
                self.walk(p["items"], u["items"], where + "[]")
        elif kp == "object":
            self.compare_objects(p, u, where)
        else:
            self.compare_scalars(p, u, where)

    def inferred_discriminator(self, u: dict[str, Any], prop: str) -> dict[str, Any]:
        """An upstream union without a discriminator, read by the pages' property: each variant that fixes the
        property to one value (a single-value enum) is mapped to by that value. Empty when any variant does not."""
        mapping = {}
        for variant in u.get("oneOf") or u.get("anyOf") or []:
            name = _ref_name(variant)
            field = (self.resolve_u(variant).get("properties") or {}).get(prop) or {}
            values = self.resolve_u(field).get("enum") or []
            if name is None or len(values) != 1 or values[0] in mapping:
                return {}
            mapping[values[0]] = SCHEMA_REF + name
        return {"propertyName": prop, "mapping": mapping} if mapping else {}

    def compare_unions(self, p: dict[str, Any], u: dict[str, Any], where: str) -> None:
        pd, ud = p.get("discriminator") or {}, u.get("discriminator") or {}
        if not ud and pd.get("propertyName"):
            # Upstream unions without a discriminator (ServerlessTenantEndpoint: AWS | Azure) still name their
            # variants by the same property; read that, so upstream's variants are added like any other.
            ud = self.inferred_discriminator(u, pd["propertyName"])
        if pd.get("propertyName") != ud.get("propertyName"):
            self.note(where, "discriminator", pd.get("propertyName"), ud.get("propertyName"), "pages win")
            return
        pmap = {v: _ref_name({"$ref": r}) for v, r in (pd.get("mapping") or {}).items()}
        umap = {v: _ref_name({"$ref": r}) for v, r in (ud.get("mapping") or {}).items()}
        for value in sorted(set(pmap) | set(umap)):
            if value in pmap and value in umap:
                self.walk({"$ref": SCHEMA_REF + pmap[value]}, {"$ref": SCHEMA_REF + umap[value]}, where)
            elif value in umap:
                self.variant_additions.append((p, value, umap[value]))
                self.note(where, "variant", "-", f"{value}: {umap[value]}", "added from upstream")
            else:
                self.note(where, "variant", f"{value}: {pmap[value]}", "-", "kept (pages)")

    def compare_objects(self, p: dict[str, Any], u: dict[str, Any], where: str) -> None:
        pprops, uprops = p.get("properties") or {}, u.get("properties") or {}
        for name, schema in uprops.items():
            if name in pprops:
                self.walk(pprops[name], schema, f"{where}.{name}")
            else:
                self.additions.append((p, name, schema))
                self.note(f"{where}.{name}", "property", "-", "present", "added from upstream")
        for name in pprops:
            if name not in uprops:
                self.note(f"{where}.{name}", "property", "present", "-", "kept (pages)")
        preq = sorted(set(p.get("required") or []) & set(uprops) & set(pprops))
        ureq = sorted(set(u.get("required") or []) & set(uprops) & set(pprops))
        if preq != ureq:
            self.note(where, "required", preq, ureq, "pages win")

    def compare_scalars(self, p: dict[str, Any], u: dict[str, Any], where: str) -> None:
        for key in ("format", "pattern", "minimum", "maximum", "minLength", "maxLength"):
            if key in p and key in u and p[key] != u[key]:
                self.note(where, key, p[key], u[key], "pages win")
            elif key in u and key not in p:
                self.note(where, key, "-", u[key], "pages win (not documented there)")
        if "enum" in p or "enum" in u:
            pe, ue = list(p.get("enum") or []), list(u.get("enum") or [])
            if "enum" in p and "enum" in u:
                extra = [v for v in ue if v not in pe]
                if extra:
                    p["enum"] = pe + extra
                    self.note(where, "enum", "-", extra, "added from upstream")
                missing = [v for v in pe if v not in ue]
                if missing:
                    self.note(where, "enum", missing, "-", "kept (pages)")
            elif "enum" in u:
                self.note(where, "enum", "open string", ue, "pages win (any string accepted)")
            else:
                self.note(where, "enum", pe, "open string", "pages win")

    # ------------------------------------------------------------------ operations
    def walk_operation(self, key: str, pop: dict[str, Any], uop: dict[str, Any]) -> None:
        # parameters: by (name, in)
        def params(op: dict[str, Any], doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
            out = {}
            for raw in op.get("parameters") or []:
                if "$ref" in raw:
                    raw = doc["components"]["parameters"][raw["$ref"].rsplit("/", 1)[-1]]
                out[(raw["name"], raw["in"])] = raw
            return out

        pp, up = params(pop, self.page), params(uop, self.up)
        for pk, param in up.items():
            if pk not in pp:
                if pk[1] == "header":
                    continue
                pop.setdefault("parameters", []).append(copy.deepcopy(param))
                self.copied.append((pop["parameters"], len(pop["parameters"]) - 1))
                self.note(key, "parameter", "-", f"{pk[1]} {pk[0]}", "added from upstream")
            else:
                self.compare(pp[pk].get("schema") or {}, param.get("schema") or {}, f"{key} {pk[1]} {pk[0]}")
        for pk in pp:
            if pk not in up:
                self.note(key, "parameter", f"{pk[1]} {pk[0]}", "-", "kept (pages)")
        if bool(pop.get("deprecated")) != bool(uop.get("deprecated")):
            self.note(
                key, "deprecated", bool(pop.get("deprecated")), bool(uop.get("deprecated")), "deprecated if either"
            )
            if uop.get("deprecated"):
                pop["deprecated"] = True
        # request body
        pb, ub = pop.get("requestBody"), uop.get("requestBody")
        if pb and ub:
            pmt, pmedia = next(iter(pb["content"].items()))
            umedia = ub["content"].get(pmt)
            if umedia is None:
                umt, umedia = next(iter(ub["content"].items()))
                self.note(key, "version", f"request {pmt}", f"request {umt}", "pages win")
            if "schema" in pmedia and "schema" in (umedia or {}):
                self.walk(pmedia["schema"], umedia["schema"], f"{key} request")
            others = sorted(set(ub["content"]) | set(ub.get("x-atlas-other-versions") or []) - {pmt})
            if others:
                pb["x-atlas-other-versions"] = others
        elif bool(pb) != bool(ub):
            self.note(key, "requestBody", bool(pb), bool(ub), "pages win")
        # responses
        for status, uresp in (uop.get("responses") or {}).items():
            presp = (pop.get("responses") or {}).get(status)
            if presp is None:
                if not str(status).startswith("2"):
                    pop["responses"][status] = copy.deepcopy(uresp)
                    self.copied.append((pop["responses"], status))
                    self.note(key, "response", "-", str(status), "added from upstream")
                else:
                    self.note(key, "response", "-", str(status), "pages win (not added)")
                continue
            if not str(status).startswith("2"):
                continue
            pcontent, ucontent = presp.get("content") or {}, uresp.get("content") or {}
            for mt, umedia in ucontent.items():
                if mt in pcontent:
                    if "schema" in pcontent[mt] and "schema" in umedia:
                        self.walk(pcontent[mt]["schema"], umedia["schema"], f"{key} {status}")
                    for ext in ("x-sunset",):
                        if ext in umedia and ext not in pcontent[mt]:
                            pcontent[mt][ext] = umedia[ext]
                else:
                    pcontent[mt] = copy.deepcopy(umedia)
                    self.copied.append((pcontent, mt))
                    self.note(key, "version", "-", f"{status} {mt}", "added from upstream")
            for mt in pcontent:
                if mt not in ucontent:
                    self.note(key, "version", f"{status} {mt}", "-", "kept (pages)")
        page_version = next(
            (
                mt
                for st, r in sorted((pop.get("responses") or {}).items())
                if str(st).startswith("2")
                for mt in (r.get("content") or {})
            ),
            None,
        )
        chosen, _ = choose_version(pop)
        if page_version and chosen and chosen not in page_version:
            self.note(key, "version", page_version, chosen, "pages win (the documented version is sent)")

    def label_variants(self, schemas: dict[str, Any]) -> None:
        """Each union variant's discriminator enum lists every value the union maps to it (the union of both)."""
        for name, schema in sorted(schemas.items()):
            discriminator = schema.get("discriminator") or {}
            prop = discriminator.get("propertyName")
            for value, ref in sorted((discriminator.get("mapping") or {}).items()):
                variant = schemas.get(_ref_name({"$ref": ref}) or "")
                field = ((variant or {}).get("properties") or {}).get(prop)
                if isinstance(field, dict) and "enum" in field and value not in field["enum"]:
                    field["enum"] = [*field["enum"], value]
                    self.note(f"{_ref_name({'$ref': ref})}.{prop}", "enum", "-", [value], f"added: {name} maps it here")
                required = (variant or {}).get("required") or []
                if isinstance(field, dict) and prop not in required:
                    # OpenAPI: the discriminator property is required in every variant; the SDK dispatches on it
                    # only when it is (a variant without it would make the union a plain, first-fit one).
                    variant["required"] = [*required, prop]
                    self.note(
                        f"{_ref_name({'$ref': ref})}",
                        "required",
                        "-",
                        list(required),
                        f"`{prop}` made required: {name} discriminates on it",
                    )

    # ------------------------------------------------------------------ the result
    def run(self) -> dict[str, Any]:
        page_ops = {}
        for path, item in self.page["paths"].items():
            for method in METHODS:
                if method in item:
                    page_ops[(method, path)] = item[method]
        up_ops = {}
        for path, item in self.up["paths"].items():
            for method in METHODS:
                if method in item:
                    up_ops[(method, path)] = item[method]
        self.page_versions: dict[tuple[str, str], str | None] = {}
        for (method, path), pop in sorted(page_ops.items()):
            key = f"{method.upper()} {path}"
            self.page_versions[(method, path)] = choose_version(pop)[0]
            pop["x-atlas-documented"] = True  # verified by the doc pages
            uop = up_ops.get((method, path))
            if uop is None:
                self.note(key, "operation", pop["operationId"], "-", "kept (pages)")
                continue
            pop["x-atlas-official-name"] = uop["operationId"]
            pop["x-atlas-upstream-operation-id"] = uop["x-atlas-upstream-operation-id"]
            self.walk_operation(key, pop, uop)
        # components with the same name that no operation paired: the same thing when the same kind
        for name in sorted(set(self.P) & set(self.U)):
            if name in self.pairs or name in self.renames:
                continue
            if _kind(self.P[name]) == _kind(self.U[name]):
                self.walk({"$ref": SCHEMA_REF + name}, {"$ref": SCHEMA_REF + name}, name)

        redirect: dict[str, str] = {}
        for un, pns in sorted(self.pairs.items()):
            if un in self.apart:
                continue
            if len(pns) == 1:
                redirect[un] = next(iter(pns))
            elif un in pns:
                # the pages split one upstream schema into request and response shapes: the namesake stands for it
                redirect[un] = un
            else:
                self.note(un, "correspondence", sorted(pns), un, "upstream schema kept apart (several page schemas)")
        for un, new in sorted(self.renames.items()):
            if un in redirect:
                raise MergeError(f"upstream_renames lists {un}, which corresponds to page schema {redirect[un]}")
            if un not in self.U:
                raise MergeError(f"upstream_renames lists {un}, which upstream does not have")
            if new in self.P or new in self.U:
                raise MergeError(f"upstream_renames: {un} -> {new} collides")
            redirect[un] = new
        for name in sorted(set(self.P) & set(self.U)):
            if name not in redirect:
                raise MergeError(
                    f"upstream schema {name} does not correspond to page schema {name}: "
                    "name it in overrides.yaml upstream_renames"
                )

        def rewrite(node: Any) -> Any:
            if isinstance(node, dict):
                name = _ref_name(node)
                if name is not None and name in redirect:
                    return {**node, "$ref": SCHEMA_REF + redirect[name]}
                return {k: rewrite(v) for k, v in node.items()}
            if isinstance(node, list):
                return [rewrite(v) for v in node]
            return node

        def rewrite_mapping(schema: dict[str, Any]) -> None:
            mapping = (schema.get("discriminator") or {}).get("mapping")
            if mapping:
                for value, ref in list(mapping.items()):
                    name = _ref_name({"$ref": ref})
                    if name in redirect:
                        mapping[value] = SCHEMA_REF + redirect[name]

        # upstream pieces in page operations name upstream schemas: as they are named in the result
        for container, key in self.copied:
            container[key] = rewrite(container[key])
        # page schemas gain what upstream adds
        for target, prop, schema in self.additions:
            target.setdefault("properties", {})[prop] = rewrite(copy.deepcopy(schema))
        for union, value, variant in self.variant_additions:
            ref = SCHEMA_REF + redirect.get(variant, variant)
            if {"$ref": ref} not in union["oneOf"]:
                union["oneOf"].append({"$ref": ref})
            union["discriminator"].setdefault("mapping", {})[value] = ref

        out = copy.deepcopy(self.up)
        for item in out["paths"].values():
            for method in METHODS:
                if method in item:
                    item[method] = rewrite(item[method])
        schemas: dict[str, Any] = {}
        for name, schema in self.U.items():
            target = redirect.get(name, name)
            if target in self.P:
                continue  # replaced by the page schema
            schemas[target] = rewrite(copy.deepcopy(schema))
            rewrite_mapping(schemas[target])
        for name, schema in self.P.items():
            schemas[name] = schema
            rewrite_mapping(schema)
        out["components"]["schemas"] = dict(sorted(schemas.items()))
        self.label_variants(schemas)
        params = dict(out["components"].get("parameters") or {})
        for name, param in self.page["components"].get("parameters", {}).items():
            if name in params and params[name].get("schema") != param.get("schema"):
                self.compare(param.get("schema") or {}, params[name].get("schema") or {}, f"parameter {name}")
            params[name] = param
        out["components"]["parameters"] = dict(sorted(params.items()))
        for (method, path), pop in page_ops.items():
            out["paths"].setdefault(path, {})[method] = pop
            apply_versions(pop, version=self.page_versions.get((method, path)))
        out["paths"] = dict(sorted(out["paths"].items()))
        tags = {t["name"]: t for t in out.get("tags") or []}
        for tag in self.page.get("tags") or []:
            tags.setdefault(tag["name"], tag)
        for item in out["paths"].values():
            for method in METHODS:
                for tag in (item.get(method) or {}).get("tags") or []:
                    if tag not in tags:
                        # the official document uses a few tags it does not declare
                        tags[tag] = {"name": tag, "description": f"Operations of the {tag} API."}
                        self.note(f"tag {tag}", "tag", "-", "used, not declared", "declared")
        out["tags"] = [tags[name] for name in sorted(tags)]
        return out


def merge(
    page: dict[str, Any], upstream: dict[str, Any], overrides: dict[str, Any]
) -> tuple[dict[str, Any], list[Disagreement]]:
    merger = Merger(page, upstream, overrides)
    spec = merger.run()
    return spec, sorted(merger.records)
