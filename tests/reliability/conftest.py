"""The simulated organization with public-bucket fixes on, and an evaluation queue holding only
the running test's messages."""

import pytest

from orgwarden_harness.simulation import SimulatedOrganization
from tests.conftest import Configure

RULE = "s3_bucket_public_access"


@pytest.fixture
def sim(lambda_env: Configure) -> SimulatedOrganization:
    sim = lambda_env({RULE: "enforce"})
    discard_queue(sim)
    return sim


def discard_queue(sim: SimulatedOrganization) -> None:
    """Delete what earlier tests left on the evaluation queue, unprocessed, so a test drains
    only its own messages. (PurgeQueue would also drop messages sent in the next 60 seconds.)"""
    sqs = sim.session(sim.tooling.account_id).client("sqs")
    while messages := sim.receive():
        for message in messages:
            sqs.delete_message(QueueUrl=sim.queue_url, ReceiptHandle=message["ReceiptHandle"])
