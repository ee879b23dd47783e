"""Facade names once published stay callable: the record, and the deprecated aliases it implies.

``openapi/facade-names.yaml`` records, for every operation (``METHOD path``), each facade method name this
SDK has published for it: the method name and the official name (``snake_case`` of
``x-xgen-operation-id-override``, else of ``operationId``). ``make update-spec`` adds the names of each new
document. When an operation's official id changes at the same method and path, its old name is in the record
but no longer generated: it becomes a deprecated alias of the current method name, which warns
``AtlasDeprecationWarning`` naming the new name when called.

The aliases reach the facade template through ``openapi/templates/atlas_deprecated_names.jinja`` (written
here, checked by ``--check``), which ``endpoint_init.py.jinja`` reads.

    python openapi/facade_names.py [--check]

adds the current spec's names to the record and rewrites the table (both idempotent); ``--check`` exits 1 when
either is out of date instead.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SPEC = HERE / "atlas-admin-v2.yaml"
RECORD = HERE / "facade-names.yaml"
TABLE = HERE / "templates" / "atlas_deprecated_names.jinja"
METHODS = ("get", "put", "post", "delete", "patch")
_PATH_PARAM = re.compile(r"\{[^}]+\}")

RECORD_HEADER = """\
# Every facade method name this SDK has published, per operation (METHOD path): kept up to date by
# `make update-spec` (openapi/facade_names.py). A name an operation no longer gets from the spec stays
# callable as a deprecated alias of its current name. Remove a name here only to retire its alias on purpose
# (then run `python openapi/facade_names.py` and `make generate`).
"""


def snake_case(name: str) -> str:
    """The generator's own snake_case, so names here are the method names it renders."""
    from openapi_python_client.strings import snake_case as generator_snake_case

    return str(generator_snake_case(name))


def files() -> list[Path]:
    """The files this module writes (update_spec.py restores them if an update fails)."""
    return [RECORD, TABLE]


def load_spec(path: Path = SPEC) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return doc


def current_names(spec: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """{"METHOD path": (method name, official name)} as the facade renders them from the assembled spec."""
    names: dict[str, tuple[str, str]] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method in METHODS:
            operation = (item or {}).get(method)
            if not isinstance(operation, dict):
                continue
            method_name = snake_case(str(operation["operationId"]))
            official = snake_case(str(operation.get("x-atlas-official-name") or operation["operationId"]))
            names[f"{method.upper()} {path}"] = (method_name, official)
    return names


def load_record(path: Path = RECORD) -> dict[str, list[str]]:
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    operations = data.get("operations") or {}
    return {str(key): [str(n) for n in value] for key, value in operations.items()}


def _normalized(key: str) -> str:
    return _PATH_PARAM.sub("{}", key)


def merged_record(record: Mapping[str, list[str]], spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """The record plus the current spec's names. An operation whose path parameters were renamed keeps its
    names (matched with parameters ignored); operations no longer in the spec keep theirs too (the names of a
    removed operation are simply not generated any more: that removal is reported as breaking)."""
    merged = {key: list(names) for key, names in record.items()}
    by_normalized = {_normalized(key): key for key in merged}
    for key, (method_name, official) in current_names(spec).items():
        previous = by_normalized.get(_normalized(key))
        names = merged.pop(previous) if previous is not None and previous != key else merged.get(key, [])
        for name in (method_name, official):
            if name not in names:
                names.append(name)
        merged[key] = names
    return dict(sorted(merged.items(), key=lambda kv: (kv[0].split(" ", 1)[1], kv[0])))


def deprecated_aliases(record: Mapping[str, list[str]], spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """{current method name: [old names]}: recorded names an operation lost, that no other operation uses."""
    current = current_names(spec)
    taken = {name for pair in current.values() for name in pair}
    by_normalized = {_normalized(key): key for key in current}
    aliases: dict[str, list[str]] = {}
    for key, names in record.items():
        now = by_normalized.get(_normalized(key))
        if now is None:
            continue
        method_name, _official = current[now]
        old = [name for name in names if name not in taken]
        if old:
            aliases.setdefault(method_name, []).extend(old)
    return {name: sorted(set(old)) for name, old in sorted(aliases.items())}


def render_record(record: Mapping[str, list[str]]) -> str:
    lines = [RECORD_HEADER.rstrip(), "operations:"]
    for key, names in record.items():
        lines.append(f"  {json.dumps(key)}: [{', '.join(names)}]")
    return "\n".join(lines) + "\n"


def render_table(aliases: Mapping[str, list[str]]) -> str:
    body = ",\n".join(f'    "{name}": [{", ".join(repr(o) for o in old)}]' for name, old in aliases.items())
    return (
        "{# GENERATED by openapi/facade_names.py from openapi/facade-names.yaml and the spec: do not edit by hand.\n"
        "   Method name -> names it was published under before and that stay as deprecated aliases. #}\n"
        "{% set deprecated_names = {\n" + body + ("\n" if body else "") + "} %}\n"
    )


def record(spec_path: Path = SPEC) -> bool:
    """Add the spec's names to the record and rewrite the alias table; True when the aliases changed."""
    spec = load_spec(spec_path)
    before = TABLE.read_text(encoding="utf-8") if TABLE.exists() else None
    merged = merged_record(load_record(), spec)
    RECORD.write_text(render_record(merged), encoding="utf-8")
    table = render_table(deprecated_aliases(merged, spec))
    TABLE.write_text(table, encoding="utf-8")
    return table != before


def names_by_operation(spec_path: Path = SPEC) -> dict[tuple[str, str], str]:
    """{(METHOD, path): facade method name}, for the report."""
    out: dict[tuple[str, str], str] = {}
    for key, (method_name, _official) in current_names(load_spec(spec_path)).items():
        method, path = key.split(" ", 1)
        out[(method, path)] = method_name
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="facade_names", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is out of date instead of writing it")
    args = parser.parse_args(argv)
    spec = load_spec()
    merged = merged_record(load_record(), spec)
    wanted = {RECORD: render_record(merged), TABLE: render_table(deprecated_aliases(merged, spec))}
    if args.check:
        stale = [
            str(p) for p, text in wanted.items() if (p.read_text(encoding="utf-8") if p.exists() else None) != text
        ]
        if stale:
            print(f"facade_names: out of date: {', '.join(stale)}; run python openapi/facade_names.py", file=sys.stderr)
            return 1
        return 0
    for path, text in wanted.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
