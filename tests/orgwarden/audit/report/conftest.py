"""The report written from the demo's real evidence, once for the report's tests."""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[4] / "src"


@dataclass(frozen=True)
class DemoReport:
    out: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    """`orgwarden report --demo` for every framework, in a process of its own: the command
    starts its own moto server and organization, plays the demo's incidents of every rule
    family through the template's rules and the real handler, and reports their evidence."""
    out = tmp_path_factory.mktemp("demo-report")
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key, None)
    done = subprocess.run(
        [sys.executable, "-m", "orgwarden.audit.cli", "report", "--demo", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return DemoReport(out, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def demo_findings() -> list[dict[str, object]]:
    """`orgwarden findings --demo --output json`: the episodes of the same incidents, read from
    the evidence by the auditor's query in a process of its own, to check the report against."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key, None)
    done = subprocess.run(
        [
            sys.executable, "-m", "orgwarden.audit.cli", "findings", "--demo",
            "--since", "3650d", "--output", "json",
        ],
        capture_output=True, text=True, env=env, timeout=400, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows: list[dict[str, object]] = json.loads(done.stdout)
    return rows
