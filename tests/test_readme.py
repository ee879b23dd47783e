"""README.md is true: its blocks run as written, print what they are expected to, and its claims hold.

Each ```python block is a whole program: it is written to a file and run in a subprocess whose environment points
``MONGODB_ATLAS_*`` (the documented variables, and only those) at a served FakeAtlas; a block that prints must
print what ``EXPECTED_OUTPUT`` says. The Authentication block runs once per kind of credentials; the FastAPI block
is sent a request. Each ```console block is a shell session run against ``python -m atlas_admin.testing``: every
``$`` command runs in one bash, and its output must match the lines shown under it (``…`` stands for any text).
Blocks in other languages must be ``sh`` or ``text`` (shown, not run): any other fence fails the test, so no block
can be skipped by a typo in its language.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from atlas_admin.testing import FakeAtlas
from atlas_admin_api._operations import OPERATIONS
from atlas_admin_api.api import TAGS

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "examples"))
from fake_setup import CLIENT_ID, CLIENT_SECRET, GROUP_ID, env_for, prepare  # noqa: E402

README = (REPO / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\S*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SHOWN_ONLY = {"sh", "text"}
RUN = {"python", "console"}

# What each printing block prints against the prepared fake (a custom role, an ORACLE bucket, one 503 on
# listCustomDatabaseRoles), keyed by the block's id: every pattern must match a line of its output, in order.
EXPECTED_OUTPUT: dict[str, list[str]] = {
    "Quick start 1": [r"^analyticsReader$", r"^not found: RESOURCE_NOT_FOUND$"],
    "Authentication 1": [
        r"^AtlasClient\(base_url='http://127\.0\.0\.1:\d+', auth=\w+.*\): 1 custom role\(s\)$",
        r"^AtlasClient\(base_url='http://127\.0\.0\.1:\d+', auth=\w+.*\): 1 custom role\(s\)$",
    ],
    "Retries and timeouts 1": [r"^status 200 retries_taken 1$", r"^1 role\(s\)$"],
    "Pagination 1": [r"^oci-bucket-from-the-future$", r"^page 1: 1 of 1$"],
    "Discriminated unions with `match` 1": [
        r"^a ORACLE bucket this SDK does not know yet: \{.*'bucketName': 'oci-bucket-from-the-future'.*\}$",
        r"^gs://my-gcs-bucket$",
    ],
    "Errors 1": [r"^404 RESOURCE_NOT_FOUND .+$", r"^rejected before sending: group_id$"],
    "Deprecation warnings 1": [r"^deprecated: .*listProjectInvitations.*$"],
    "Testing your code with FakeAtlas 1": [r"^\[.*'bucketName': 'from-the-future'.*\]$"],
    "Testing your code with FakeAtlas 2": [r"^http://127\.0\.0\.1:\d+ \[\]$"],
    "Answers that differ from the spec: lenient by default, strict in your tests 1": [
        r"^\[Deviation\(path='\$\[0\]\.actions\[0\]\.resources\[0\]\.cluster'",
        r"^strict: \$\[0\]\.actions\[0\]\.resources\[0\]\.cluster$",
    ],
    "Waiting for long-running operations 1": [r"^\['analyticsReader'\]$"],
    "Quick start 2": [r"^200 \[\{.*\"bucketName\": ?\"oci-bucket-from-the-future\".*\}\]$"],
}
# The FastAPI block defines an app: this is appended to send it a request, as uvicorn would pass one on.
FASTAPI_REQUEST = f"""
from fastapi.testclient import TestClient

with TestClient(app) as http:
    answer = http.get("/projects/{GROUP_ID}/export-buckets")
    print(answer.status_code, answer.text)
"""
# One kind of credentials at a time, in the documented variables (from_env refuses two kinds at once).
CREDENTIALS = {
    "service-account": {"MONGODB_ATLAS_CLIENT_ID": CLIENT_ID, "MONGODB_ATLAS_CLIENT_SECRET": CLIENT_SECRET},
    "api-key": {"MONGODB_ATLAS_PUBLIC_API_KEY": "publickey", "MONGODB_ATLAS_PRIVATE_API_KEY": "privatekey"},
    "access-token": {"MONGODB_ATLAS_ACCESS_TOKEN": "<issued by the fake>"},
}


def _blocks(language: str) -> list[tuple[str, str]]:
    blocks: list[tuple[str, str]] = []
    counts: dict[str, int] = {}
    for match in FENCE.finditer(README):
        if match[1] != language:
            continue
        heading = re.findall(r"^## (.+)$", README[: match.start()], re.MULTILINE)[-1]
        counts[heading] = counts.get(heading, 0) + 1
        blocks.append((f"{heading} {counts[heading]}", match[2]))
    return blocks


BLOCKS = _blocks("python")
RUNS = [
    pytest.param(name, code, kind, id=f"{name}-{kind}" if kind else name)
    for name, code in BLOCKS
    for kind in (CREDENTIALS if name.startswith("Authentication") else [None])
]


def test_every_fence_is_run_or_explicitly_shown_only() -> None:
    languages = [m[1] for m in FENCE.finditer(README)]
    assert set(languages) <= SHOWN_ONLY | RUN, languages
    assert languages.count("python") == len(BLOCKS) >= 10
    assert languages.count("console") >= 1


def test_every_printing_block_has_its_output_checked() -> None:
    printing = {name for name, code in BLOCKS if "print(" in code or "FastAPI(" in code}
    assert printing == set(EXPECTED_OUTPUT)


def test_scope_is_stated_in_numbers() -> None:
    stated = re.search(r"\*\*Scope:\*\* (\d+) operations in (\d+) tags", README)
    assert stated, "the README states its scope as '**Scope:** N operations in M tags'"
    assert (int(stated[1]), int(stated[2])) == (len(OPERATIONS), len(TAGS))
    # ... and linked to the operations reference, which counts the same.
    assert "[operations reference](docs/OPERATIONS.md)" in README
    reference = (REPO / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
    assert f"\n{stated[1]} operations in {stated[2]} tags." in reference


def _env_for_kind(base_url: str, kind: str | None, token: str) -> dict[str, str]:
    env = env_for(base_url)
    if kind is not None:
        for name in ("MONGODB_ATLAS_CLIENT_ID", "MONGODB_ATLAS_CLIENT_SECRET"):
            del env[name]
        env.update({k: (token if k == "MONGODB_ATLAS_ACCESS_TOKEN" else v) for k, v in CREDENTIALS[kind].items()})
    return env


def _assert_prints(name: str, text: str) -> None:
    lines = text.splitlines()
    position = 0
    for pattern in EXPECTED_OUTPUT.get(name, []):
        found = next((i for i in range(position, len(lines)) if re.search(pattern, lines[i])), None)
        assert found is not None, f"README block {name}: no line matching {pattern!r} (in order) in:\n{text}"
        position = found + 1


@pytest.mark.parametrize(("name", "code", "kind"), RUNS)
async def test_readme_block_runs(name: str, code: str, kind: str | None, tmp_path: Path) -> None:
    if "FastAPI(" in code:
        code += FASTAPI_REQUEST
    script = tmp_path / "block.py"
    script.write_text(code, encoding="utf-8")
    fake = FakeAtlas()
    prepare(fake)  # a custom role, an ORACLE bucket, one 503 on listCustomDatabaseRoles
    async with fake.serve() as base_url:
        async with httpx.AsyncClient() as http:
            token = await http.post(
                f"{base_url}/api/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(CLIENT_ID, CLIENT_SECRET),
            )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            cwd=tmp_path,
            env=_env_for_kind(base_url, kind, token.json()["access_token"]),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 60)
    text = out.decode()
    assert process.returncode == 0, f"README block {name} failed:\n{code}\n--- output ---\n{text}"
    assert "Traceback" not in text, text
    _assert_prints(name, text)
    # A block that talks to the Atlas of its environment really reached this fake (but the one whose only call is
    # refused before it is sent, as the README says: an operation the spec marks deprecated, under an error filter).
    if "FakeAtlas()" not in code and name != "Deprecation warnings 1":
        assert any(e.operation_id not in (None, "oauth:token", "oauth:revoke") for e in fake.requests), text
    if kind is not None:  # the credentials of that kind were the ones used
        assert ("oauth:token" in {e.operation_id for e in fake.requests[1:]}) == (kind == "service-account")


def test_the_fastapi_block_answers_a_request() -> None:
    # (run by test_readme_block_runs; this pins that the block is the FastAPI one and that its answer is checked)
    (name,) = [name for name, code in BLOCKS if "FastAPI(" in code]
    assert name in EXPECTED_OUTPUT and "export-buckets" in dict(BLOCKS)[name]


# --- the console session against `python -m atlas_admin.testing` --------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _session(block: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$ `` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


@pytest.fixture
def served_fake() -> object:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "atlas_admin.testing", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith(f"FakeAtlas serving at http://127.0.0.1:{port}"), first
        yield port
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
@pytest.mark.parametrize(("name", "block"), _blocks("console"), ids=[n for n, _ in _blocks("console")])
def test_console_session_runs_as_shown(name: str, block: str, served_fake: int) -> None:
    steps = _session(block.replace("127.0.0.1:8080", f"127.0.0.1:{served_fake}"))
    script = "".join(f"printf '\\n@@step {i}\\n'\n{command}\n" for i, (command, _) in enumerate(steps))
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    outputs = re.split(r"^@@step \d+$", result.stdout, flags=re.MULTILINE)[1:]
    assert len(outputs) == len(steps)
    for (command, expected), got in zip(steps, outputs, strict=True):
        pattern = "\n".join(re.escape(line).replace("…", ".*") for line in expected)
        assert re.fullmatch(pattern, got.strip()), f"{name}: $ {command}\nexpected:\n{pattern}\ngot:\n{got.strip()}"


# --- statements about commands ------------------------------------------------------------------------------------


def test_plain_python_w_option_cannot_name_the_warning_but_pytest_can(tmp_path: Path) -> None:
    plain = subprocess.run(
        [sys.executable, "-W", "error::atlas_admin.AtlasDeprecationWarning", "-c", "pass"],
        capture_output=True,
        text=True,
        check=False,
    )
    message = plain.stderr.strip()
    assert message == "Invalid -W option ignored: invalid module name: 'atlas_admin'"
    assert f"prints `{message}`" in README.replace("\n", " ")

    test_file = tmp_path / "test_warns.py"
    test_file.write_text(
        "import warnings\nfrom atlas_admin import AtlasDeprecationWarning\n\n\n"
        "def test_warns():\n    warnings.warn('old', AtlasDeprecationWarning)\n"
    )
    pytest_cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)]
    as_error = subprocess.run(
        [*pytest_cmd, "-W", "error::atlas_admin.AtlasDeprecationWarning"], cwd=tmp_path, check=False
    )
    assert as_error.returncode == 1  # the warning failed the test
    assert "pytest -W error::atlas_admin.AtlasDeprecationWarning" in README
    assert subprocess.run(pytest_cmd, cwd=tmp_path, capture_output=True, check=False).returncode == 0


def test_install_from_a_git_url_as_written(tmp_path: Path) -> None:
    shown = re.findall(
        r"^pip install '(atlas-admin(?:\[\w+\])? @ git\+https://github\.com/<org>/atlas-admin)'$", README, re.M
    )
    assert len(shown) == 2, shown
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: no repository to install from")
    for requirement in shown:
        local = requirement.replace("https://github.com/<org>/atlas-admin", f"file://{REPO}")
        report = tmp_path / "report.json"
        pip = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--disable-pip-version-check"]
        result = subprocess.run(
            [*pip, "--no-build-isolation", "--report", str(report), local],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert "does not provide the extra" not in result.stderr, result.stderr
        (item,) = [i for i in json.loads(report.read_text())["install"] if i["metadata"]["name"] == "atlas-admin"]
        assert item.get("requested_extras", []) == re.findall(r"\[(\w+)\]", requirement)
