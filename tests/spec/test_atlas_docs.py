"""Unit tests for the doc-page reader (openapi/atlas_docs.py)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "openapi"))

import atlas_docs  # noqa: E402
from atlas_docs import parse_constraint_line as pc  # noqa: E402
from atlas_docs import parse_field_header as ph  # noqa: E402
from shared_dirs import require_docs  # noqa: E402


def test_field_headers():
    f = ph("error integer(int32) Required")
    assert (f["name"], f["type"], f["format"], f["required"]) == ("error", "integer", "int32", True)
    f = ph("results array[object]")
    assert (f["type"], f["items"], f["required"]) == ("array", "object", False)
    f = ph("cloudProvider string Required Discriminator")
    assert f["required"] and f["discriminator"]
    f = ph("* string Additional properties")
    assert f["name"] == "*" and f["additional"]
    assert ph("createdAt string(date-time)")["format"] == "date-time"
    assert ph("diskSizeGB number(double)")["format"] == "double"
    # description bullets are not fields
    assert ph("For a replica set, this array contains a single document.") is None
    assert ph("Any M10 or greater clusters") is None


def test_constraint_sentences():
    assert pc("Minimum value is 1, maximum value is 500. Default value is 100.") == {
        "minimum": "1",
        "maximum": "500",
        "default": "100",
    }
    assert pc("Value is AWS. Default value is AWS.") == {"enum": ["AWS"], "default": "AWS"}
    assert pc("Values are BLOCK or BLOCK_AND_KILL.") == {"enum": ["BLOCK", "BLOCK_AND_KILL"]}
    assert pc("Values are all, true, or false. Default value is true.") == {
        "enum": ["all", "true", "false"],
        "default": "true",
    }
    assert pc("Values are .avro, .avro.bz2, or .tsv.gz.") == {"enum": [".avro", ".avro.bz2", ".tsv.gz"]}
    assert pc("Values are bytesProcessed.query, or bytesProcessed.daily.") == {
        "enum": ["bytesProcessed.query", "bytesProcessed.daily"]
    }
    assert pc(
        "Minimum length is 24, maximum length is 24. Format should match the following pattern: ^([a-f0-9]{24})$."
    ) == {
        "minLength": "24",
        "maxLength": "24",
        "pattern": "^([a-f0-9]{24})$",
    }
    assert pc("Format should match the following pattern: ([\\d]+\\.[\\d]+\\.[\\d]+).") == {
        "pattern": "([\\d]+\\.[\\d]+\\.[\\d]+)"
    }
    assert pc("Format of each should match the following pattern: ^([a-f0-9]{24})$.") == {
        "itemsPattern": "^([a-f0-9]{24})$"
    }
    assert pc("At least 1 element. Values are A or B.") == {"minItems": "1", "enum": ["A", "B"]}
    assert pc("Not more than 1 element.") == {"maxItems": "1"}
    # prose is not a constraint line
    assert pc("Default value of the limit.") is None
    assert pc("Value for the key to include in file.") is None


def _op(ops, oid):
    return next(o for o in ops if o.operation_id == oid)


def test_reader_on_pages():
    d = require_docs()
    ops = atlas_docs.read_docs(d)
    op = _op(ops, "createExportBucket")
    assert op.request["media_type"] == "application/vnd.atlas.2024-05-30+json"
    assert op.request["body"]["one_of"]
    assert [lbl for lbl, _ in op.request_examples] == ["AWS", "Azure", "GCP"]
    assert [lbl for lbl, _ in op.response_examples["200"]] == ["AWS", "Azure", "GCP"]
    assert op.go_tag == "CloudBackupsApi"
    # request examples without a "Request examples" header
    assert len(_op(ops, "authorizeCloudProviderAccessRole").request_examples) == 2
    fed = _op(ops, "getFederatedDatabase").response("200")["body"]
    paths = dict(atlas_docs.iter_fields(fed))
    assert paths["storage.databases[].collections[].dataSources[].trimLevel"]["format"] == "int32"
    assert paths["storage.stores"]["one_of"]
    assert _op(ops, "downloadSharedClusterBackup").go_tag == "Shared - TierSnapshotsApi"
    assert _op(ops, "resumePipeline").deprecated
