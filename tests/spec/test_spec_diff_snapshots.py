"""openapi/spec_diff.py on the two real official snapshots (2026-02-24 → 2026-06-23).

Each pinned change was checked by hand with grep in both files (see the comments). The snapshots live in
``../shared/atlas-openapi`` (``ATLAS_OPENAPI_DIR`` overrides); without them these tests skip with one line
(and fail under ``CI=true``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from shared_dirs import require_shared

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "openapi"))

import spec_diff  # noqa: E402

OLD = "atlas-api-2026-02-24.yaml"
NEW = "atlas-api-2026-06-23.yaml"


@pytest.fixture(scope="module")
def result() -> spec_diff.SpecDiff:
    folder = require_shared("atlas-openapi")
    old, new = folder / OLD, folder / NEW
    return spec_diff.diff(
        spec_diff.load(old), spec_diff.load(new), spec_diff.snapshot_label(old, {}), spec_diff.snapshot_label(new, {})
    )


def changes_of(result: spec_diff.SpecDiff, method: str, path: str) -> list[tuple[str, bool]]:
    return [(c.text, c.breaking) for op, c in result.all_changes() if (op.method, op.path) == (method, path)]


def test_operation_counts_match_the_snapshots_readme(result: spec_diff.SpecDiff) -> None:
    # ../shared/atlas-openapi/README.md: 504 and 522 operations.
    assert (result.old_count, result.new_count) == (504, 522)
    assert (len(result.added), len(result.removed)) == (33, 15)
    # The official ids did not change between these two snapshots at any method+path.
    assert result.renamed == []


def test_added_operation(result: spec_diff.SpecDiff) -> None:
    # grep '^    /api/atlas/v2/orgs/{orgId}/maintenanceSettings:' finds it only in the 2026-06-23 file.
    added = {(op.method, op.path): op for op in result.added}
    op = added[("GET", "/api/atlas/v2/orgs/{orgId}/maintenanceSettings")]
    assert not any(c.breaking for o, c in result.all_changes() if o is op)


def test_removed_operation_is_breaking(result: spec_diff.SpecDiff) -> None:
    # `post:` under /api/atlas/v2/groups/{groupId}/serverless (createServerlessInstance, deprecated, "no longer
    # supported starting on January 22, 2026") is in the 2026-02-24 file only.
    assert ("operation removed", True) in changes_of(result, "POST", "/api/atlas/v2/groups/{groupId}/serverless")
    assert "createServerlessInstance" in {op.name for op in result.removed}


def test_deprecations(result: spec_diff.SpecDiff) -> None:
    # No operation changed its `deprecated:` flag between the two files (80 deprecated before, 71 after: the
    # 9 missing ones were removed); what became deprecated are a query parameter and some fields:
    #   `- deprecated: true` before `name: orgMembershipStatus` under GET /groups/{groupId}/users (2026-06-23 only)
    #   `deprecated: true` under QueryStatsSummary.p50ExecMicros (2026-06-23 only)
    assert result.deprecated == []
    users = changes_of(result, "GET", "/api/atlas/v2/groups/{groupId}/users")
    assert ("query parameter `orgMembershipStatus` deprecated", False) in users
    assert ("query parameter `orgMembershipStatuses` added", False) in users
    summaries = changes_of(
        result, "GET", "/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/queryShapeInsights/summaries"
    )
    assert ("response 200 `summaries[].p50ExecMicros` deprecated", False) in summaries


def test_new_enum_value(result: spec_diff.SpecDiff) -> None:
    # MatcherFieldView (a oneOf of inline string enums) gains `- ATLAS_NODE_TYPE` (absent from 2026-02-24).
    found = changes_of(result, "GET", "/api/atlas/v2/alertConfigs/matchers/fieldNames")
    assert found == [("response 200 `[]` enum values added: `ATLAS_NODE_TYPE`", False)]


def test_new_required_request_field_is_breaking(result: spec_diff.SpecDiff) -> None:
    # CloudDatabaseUser.required: [databaseName, groupId, username] → [databaseName, groupId, roles, username].
    found = changes_of(result, "POST", "/api/atlas/v2/groups/{groupId}/databaseUsers")
    assert ("request body `roles` now required", True) in found
    assert ("response 201 `roles` now required", False) in found


def test_sunset_moved(result: spec_diff.SpecDiff) -> None:
    # GET /groups/{groupId}/clusters, application/vnd.atlas.2023-02-01+json: x-sunset 2026-03-01 → 2027-07-01.
    found = changes_of(result, "GET", "/api/atlas/v2/groups/{groupId}/clusters")
    assert ("`application/vnd.atlas.2023-02-01+json` sunset moved 2026-03-01 → 2027-07-01", False) in found


def test_report_names_them(result: spec_diff.SpecDiff) -> None:
    text = spec_diff.render_markdown(result, title="2026-06-23 (from 2026-02-24)")
    assert "`GET /api/atlas/v2/orgs/{orgId}/maintenanceSettings`" in text
    assert "**BREAKING** `POST /api/atlas/v2/groups/{groupId}/serverless`" in text
    assert "enum values added: `ATLAS_NODE_TYPE`" in text
    assert result.breaking, "this update removes operations: it must be refused without --allow-breaking"
