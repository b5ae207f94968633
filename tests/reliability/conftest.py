"""The simulated organization with public-bucket fixes on, and an evaluation queue holding only
the running test's messages. The remediation rate limit (per account and rule, an hour's window)
is raised for these tests: they fix many buckets in accounts other tests fix in too, and what
they test is faults on the wire, not the limit (tests/orgwarden/engine/test_safety.py does)."""

from pathlib import Path

import pytest

from orgwarden.engine.policy import DEFAULT_PATH
from orgwarden.engine.runtime import event_service
from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure

RULE = "s3_bucket_public_access"


@pytest.fixture
def sim(
    lambda_env: Configure, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SimulatedOrganization:
    sim = lambda_env({RULE: "enforce"})
    policy = tmp_path / "policy.yaml"
    text = DEFAULT_PATH.read_text().replace("  limit: 10\n", "  limit: 10000\n")
    assert "limit: 10000" in text
    policy.write_text(text)
    monkeypatch.setenv("ORGWARDEN_POLICY_FILE", str(policy))
    event_service.cache_clear()
    discard_queue(sim)
    return sim


def discard_queue(sim: SimulatedOrganization) -> None:
    """Delete what earlier tests left on the evaluation queue, unprocessed, so a test drains
    only its own messages. (PurgeQueue would also drop messages sent in the next 60 seconds.)"""
    sqs = sim.session(sim.tooling.account_id).client("sqs")
    while messages := sim.receive():
        for message in messages:
            sqs.delete_message(QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"])
