"""Smoke test of the sweep benchmark (`bench.sweep_org`) on its quick workload, so that it
cannot rot: the rows are well formed and the counts agree with each other. No figure is
asserted. Each run is a fresh process (its own moto server, apart from the tests' one)."""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench.peer import PEER_VENV
from bench.sweep_org import CHECKS, QUICK, breakdown

ROOT = Path(__file__).resolve().parents[2]


def quick(*flags: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.sweep_org", "--quick", "--json", *flags],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def check_rows(result: dict[str, Any]) -> None:
    for row in result["rows"]:
        assert set(row) >= {"measure", "orgwarden", "peer", "target", "met", "note", "verdict"}
        assert row["measure"]
        assert row["orgwarden"]
        assert row["verdict"] in ("met", "missed", "—")


def test_the_quick_sweep_counts_every_call_and_reports_per_resource() -> None:
    result = quick("--no-peer")
    check_rows(result)
    resources = QUICK.accounts * len(QUICK.regions) * (QUICK.buckets + QUICK.instances)
    assert result["resources"] == resources
    assert result["by_type"] == {
        "AwsS3Bucket": QUICK.accounts * len(QUICK.regions) * QUICK.buckets,
        "AwsEc2Instance": QUICK.accounts * len(QUICK.regions) * QUICK.instances,
    }
    ours = result["orgwarden"]
    assert ours["failures"] == []
    calls = ours["calls"]
    # One listing per account (buckets) and per account and region (instances); one import
    # of findings at least per account.
    assert calls["S3:ListBuckets"] == QUICK.accounts
    assert calls["EC2:DescribeInstances"] == QUICK.accounts * len(QUICK.regions)
    assert calls["SecurityHub:BatchImportFindings"] >= QUICK.accounts
    assert sum(breakdown(calls).values()) == sum(calls.values())
    per_resource, wall = result["rows"][:2]
    assert float(per_resource["orgwarden"]) == pytest.approx(
        sum(calls.values()) / resources, abs=0.01
    )
    assert per_resource["met"] == (float(per_resource["orgwarden"]) <= 3)
    assert float(wall["orgwarden"]) == pytest.approx(ours["seconds"], abs=0.1)
    assert result["peer"] is None
    assert result["agreement"] is None


@pytest.mark.skipif(
    not (PEER_VENV / "bin" / "python").exists(),
    reason="Cloud Custodian is not installed in .bench/c7n (python -m bench.sweep_org does it)",
)
def test_the_quick_sweep_beside_cloud_custodian_compares_every_resource_and_check() -> None:
    result = quick()
    check_rows(result)
    for peer in (result["peer"], result["peer_tuned"]):
        assert peer["failures"] == []
        assert peer["calls"]["S3:ListBuckets"] == QUICK.accounts
    # Fetching three subdocuments instead of ten costs fewer calls, for the same verdicts.
    assert sum(result["peer_tuned"]["calls"].values()) < sum(result["peer"]["calls"].values())
    assert result["agreement_tuned"]["agreed"] == result["agreement"]["agreed"]
    agreement = result["agreement"]
    buckets = QUICK.accounts * len(QUICK.regions) * QUICK.buckets
    instances = QUICK.accounts * len(QUICK.regions) * QUICK.instances
    bucket_checks = sum(rule.startswith("s3") for rule, _ in CHECKS.values())
    assert agreement["pairs"] == buckets * bucket_checks + instances * (len(CHECKS) - bucket_checks)
    differing = sum(len(items) for items in agreement["disagreements"].values())
    assert agreement["agreed"] + differing == agreement["pairs"]
    (_, _, agreeing) = result["rows"]
    assert float(agreeing["orgwarden"].rstrip("%")) == pytest.approx(
        100 * agreement["agreed"] / agreement["pairs"], abs=0.1
    )
