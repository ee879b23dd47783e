"""Take in a newer official Atlas document: diff it, refuse breaking changes unless allowed, regenerate, record.

    make update-spec SPEC=path/to/atlas-api.yaml [ALLOW_BREAKING=1]
    python openapi/update_spec.py path/to/atlas-api.yaml [--allow-breaking] [--date YYYY-MM-DD]

1. Reads the new document and compares it with the checked-in one (``openapi/upstream/atlas-api.yaml``) with
   ``openapi/spec_diff.py``. When something breaks callers of the SDK and breaking is not allowed, it prints the
   summary and the breaking entries and exits 1 **without changing anything**.
2. Replaces the upstream document (and its publication date in ``openapi/upstream.py`` and
   ``openapi/upstream/README.md``), re-assembles ``openapi/atlas-admin-v2.yaml`` and runs ``make generate``.
   If either fails, every file it touched is put back and it exits 2. Re-assembling reads the Atlas doc pages
   (``ATLAS_DOCS_DIR``, default ``../shared/atlas-docs``) when they are there, else what they say as checked in
   (``openapi/documented-operations.json``): it works on a clean clone, from the document's path alone.
3. Records the facade names now published (``openapi/facade-names.yaml``): a name that an operation loses
   (its official id changed at the same method and path) stays as a deprecated alias at the next generation.
4. Adds a dated section to ``API-CHANGES.md`` (newest first) and prints the summary.

The document's date comes from ``--date``, else from a YYYY-MM-DD in its file name, else from today.
Bad input (a missing file, not an OpenAPI document) exits 2 before anything is touched.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import spec_diff

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
UPSTREAM_DOC = HERE / "upstream" / "atlas-api.yaml"
UPSTREAM_README = HERE / "upstream" / "README.md"
UPSTREAM_MODULE = HERE / "upstream.py"
SPEC = HERE / "atlas-admin-v2.yaml"
CHANGES = REPO / "API-CHANGES.md"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SNAPSHOT_DATE_LINE = re.compile(r'^SNAPSHOT_DATE = "(\d{4}-\d{2}-\d{2})"$', re.MULTILINE)
MAX_BREAKING_SHOWN = 40
# What an update writes (the spec, its sources and reports, the name tables, generated code, the operations
# reference, the changelog): copied aside first and put back if the update fails half-way.
BACKED_UP = ("openapi", "generated", "docs", CHANGES.name)

CHANGES_HEADER = """\
# API changes

What changed for callers of this SDK each time the official Atlas Administration API document was updated
(`make update-spec SPEC=...`, see README "When Atlas publishes a new spec"). Newest first. Each section is written
by `openapi/spec_diff.py`: operations are matched by method and path; **BREAKING** marks a change that can break
code calling the SDK, with the reason in italics.
"""


class UpdateError(Exception):
    """The update cannot go on; nothing (or everything, after a rollback) is as it was."""


def current_date() -> str | None:
    """The publication date of the checked-in document (``SNAPSHOT_DATE`` in openapi/upstream.py)."""
    if not UPSTREAM_MODULE.exists():
        return None
    match = _SNAPSHOT_DATE_LINE.search(UPSTREAM_MODULE.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def new_date(spec_path: Path, given: str | None) -> str:
    if given is not None:
        if not _DATE.match(given):
            raise UpdateError(f"--date: expected YYYY-MM-DD, got {given!r}")
        return given
    return spec_diff.snapshot_date(spec_path.name) or _dt.datetime.now(_dt.UTC).date().isoformat()


def _set_snapshot_date(date: str) -> None:
    """openapi/upstream.py decides which media-type versions are sunset by the document's date."""
    text = UPSTREAM_MODULE.read_text(encoding="utf-8")
    if not _SNAPSHOT_DATE_LINE.search(text):
        raise UpdateError(f"{UPSTREAM_MODULE.relative_to(REPO)} has no SNAPSHOT_DATE line to update")
    UPSTREAM_MODULE.write_text(_SNAPSHOT_DATE_LINE.sub(f'SNAPSHOT_DATE = "{date}"', text), encoding="utf-8")


def _update_readme(doc: dict[str, object], date: str, old_date: str | None, sha256: str) -> None:
    """Keep openapi/upstream/README.md's facts (date, counts, x-xgen-sha, checksum) true to the new file."""
    if not UPSTREAM_README.exists():
        return
    text = UPSTREAM_README.read_text(encoding="utf-8")
    info = doc.get("info") if isinstance(doc.get("info"), dict) else {}
    assert isinstance(info, dict)
    paths = doc.get("paths") if isinstance(doc.get("paths"), dict) else {}
    assert isinstance(paths, dict)
    operations = sum(
        1 for item in paths.values() for m in spec_diff.HTTP_METHODS if isinstance(item, dict) and m in item
    )
    components = doc.get("components") if isinstance(doc.get("components"), dict) else {}
    assert isinstance(components, dict)
    schemas = len(components.get("schemas") or {})
    text = re.sub(r"\b\d+ operations, \d+ schemas\b", f"{operations} operations, {schemas} schemas", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", sha256, text)
    if info.get("x-xgen-sha"):
        text = re.sub(r"\b[0-9a-f]{40}\b", str(info["x-xgen-sha"]), text)
    if old_date:
        text = text.replace(old_date, date)
    UPSTREAM_README.write_text(text, encoding="utf-8")


def _run(args: list[str], what: str) -> None:
    env = dict(os.environ)
    # `make update-spec SPEC=...` exports SPEC to sub-makes through MAKEFLAGS; `make generate` must use its own.
    env.pop("MAKEFLAGS", None)
    env.pop("MFLAGS", None)
    result = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-20:])
        raise UpdateError(f"{what} failed (exit {result.returncode}):\n{tail}")


def add_section(section: str) -> None:
    """Put the section first under API-CHANGES.md's header (creating the file with its header if needed)."""
    text = CHANGES.read_text(encoding="utf-8") if CHANGES.exists() else CHANGES_HEADER
    header, sep, rest = text.partition("\n## ")
    body = f"{header.rstrip()}\n\n{section.rstrip()}\n"
    if sep:
        body += f"\n## {rest}"
    CHANGES.write_text(body if body.endswith("\n") else body + "\n", encoding="utf-8")


def section_title(date: str, old_date: str | None) -> str:
    return f"{date} (from {old_date})" if old_date else date


def update(spec_path: Path, allow_breaking: bool, date: str | None = None) -> int:
    spec_path = spec_path.expanduser()
    if spec_path.is_file() and UPSTREAM_DOC.is_file() and spec_path.read_bytes() == UPSTREAM_DOC.read_bytes():
        print(f"update-spec: {spec_path} is the checked-in document already: nothing to do")
        return 0
    try:
        new_doc = spec_diff.load(spec_path)
        old_doc = spec_diff.load(UPSTREAM_DOC)
        to_date = new_date(spec_path, date)
    except (spec_diff.SpecDiffError, UpdateError) as exc:
        print(f"update-spec: {exc}", file=sys.stderr)
        return 2
    from_date = current_date()
    result = spec_diff.diff(
        old_doc,
        new_doc,
        f"atlas-api-{from_date}" if from_date else "the checked-in document",
        f"atlas-api-{to_date}",
        dates=(from_date, to_date),
    )
    print(f"update-spec: {result.summary()}")
    breaking = result.breaking
    if breaking and not allow_breaking:
        print(f"update-spec: {len(breaking)} change(s) break callers of the SDK; nothing was changed:", file=sys.stderr)
        for op, change in breaking[:MAX_BREAKING_SHOWN]:
            print(f"  BREAKING {op.label} ({op.name}): {change.text}", file=sys.stderr)
        if len(breaking) > MAX_BREAKING_SHOWN:
            print(f"  ... and {len(breaking) - MAX_BREAKING_SHOWN} more", file=sys.stderr)
        print(
            f"update-spec: the whole report: python openapi/spec_diff.py {UPSTREAM_DOC.relative_to(REPO)} {spec_path}\n"
            "update-spec: to take them anyway: make update-spec SPEC=... ALLOW_BREAKING=1",
            file=sys.stderr,
        )
        return 1

    import facade_names

    backup = Path(tempfile.mkdtemp(prefix="update-spec-"))
    saved = [name for name in BACKED_UP if (REPO / name).exists()]
    for name in saved:
        source, target = REPO / name, backup / name
        if source.is_dir():
            shutil.copytree(source, target, symlinks=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    try:
        facade_names.record(SPEC)  # the names the checked-in spec publishes, before it is replaced
        if spec_path.resolve() != UPSTREAM_DOC.resolve():
            shutil.copyfile(spec_path, UPSTREAM_DOC)
        _set_snapshot_date(to_date)
        _update_readme(new_doc, to_date, from_date, hashlib.sha256(UPSTREAM_DOC.read_bytes()).hexdigest())
        _run([sys.executable, str(HERE / "assemble.py")], "re-assembling openapi/atlas-admin-v2.yaml")
        facade_names.record(SPEC)  # before generating: the alias table is a template input
        _run(["make", "--no-print-directory", "generate"], "make generate")
        names = facade_names.names_by_operation(SPEC)
        add_section(spec_diff.render_markdown(result, title=section_title(to_date, from_date), names=names))
    except Exception as exc:  # whatever failed half-way (UpdateError, OSError, a bad assembled spec): roll back
        for name in BACKED_UP:
            target = REPO / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            if name not in saved:  # it was not there: what the update created is gone with it
                continue
            if (backup / name).is_dir():
                shutil.copytree(backup / name, target, symlinks=True)
            else:
                shutil.copy2(backup / name, target)
        shutil.rmtree(backup, ignore_errors=True)
        reason = exc if isinstance(exc, UpdateError) else f"{type(exc).__name__}: {exc}"
        print(f"update-spec: {reason}\nupdate-spec: every file was put back as it was", file=sys.stderr)
        return 2
    shutil.rmtree(backup, ignore_errors=True)
    print(f"update-spec: updated to atlas-api-{to_date}; the changes are in API-CHANGES.md")
    if breaking:
        print(f"update-spec: {len(breaking)} breaking change(s) taken (ALLOW_BREAKING)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="update_spec", description=__doc__.split("\n\n")[0])
    parser.add_argument("spec", help="the newer official document (YAML or JSON)")
    parser.add_argument("--allow-breaking", action="store_true", help="go on when changes break callers")
    parser.add_argument("--date", help="the document's publication date (default: from its file name, else today)")
    args = parser.parse_args(argv)
    allow = args.allow_breaking or os.environ.get("ALLOW_BREAKING", "") not in ("", "0")
    return update(Path(args.spec), allow, args.date)


if __name__ == "__main__":
    sys.exit(main())
