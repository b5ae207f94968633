"""End to end on moto's server, through the queue and the real handler: an answer about one
resource that our code does not expect (a field missing from an AWS answer) costs that
resource's verdicts only. Its rules report NOT_AVAILABLE, naming the error; the sweep task goes
on and judges the other resources."""

import uuid
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from orgwarden.engine.messages import SweepTask
from orgwarden_harness.simulation import HOME_REGION, SimulatedOrganization
from tests.conftest import Configure
from tests.reliability import faults
from tests.reliability.faults import _Body

TAGS = "s3_bucket_required_tags"


def tag_without_key(request: AWSPreparedRequest) -> AWSResponse:
    """GetBucketTagging answered with a Tag that has a Value but no Key: the S3 API reference
    (GetBucketTagging, Tag) marks Key as required, so our code never expected its absence."""
    body = (
        '<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet>'
        "<Tag><Value>payments</Value></Tag></TagSet></Tagging>"
    )
    headers = {"Content-Type": "application/xml"}
    return AWSResponse(request.url, 200, headers, _Body(body.encode()))


def test_one_bucket_s_unexpected_answer_does_not_lose_the_sweep_of_the_others(
    lambda_env: Configure, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim: SimulatedOrganization = lambda_env({})
    member = sim.accounts["analytics-prod"].account_id
    s3 = sim.session(member).client("s3")
    odd, fine = f"e2e-odd-{uuid.uuid4().hex[:8]}", f"e2e-fine-{uuid.uuid4().hex[:8]}"
    for bucket in (odd, fine):
        s3.create_bucket(Bucket=bucket)
    s3.put_bucket_tagging(
        Bucket=fine,
        Tagging={
            "TagSet": [
                {"Key": "app", "Value": "reports"},
                {"Key": "env", "Value": "prod"},
                {"Key": "team", "Value": "analytics"},
                {"Key": "cost-center", "Value": "cc-7"},
            ]
        },
    )
    wire = faults.install(monkeypatch)
    wire.add("s3.GetBucketTagging", tag_without_key, url_has=odd)
    lambda_env({})  # the handler's clients are rebuilt with the hook

    task = SweepTask(
        sweep_id=f"odd-{uuid.uuid4().hex[:6]}",
        account_id=member,
        region=HOME_REGION,
        resource_types=("AwsS3Bucket",),
    )
    sqs: Any = sim.session(sim.tooling.account_id).client("sqs")
    sqs.send_message(QueueUrl=sim.queue_url, MessageBody=task.model_dump_json())
    messages = sim.take()
    assert len(messages) == 1
    assert sim.invoke_evaluator(messages) == {"batchItemFailures": []}

    findings = sim.findings(member)
    odd_tags = findings[f"orgwarden/{TAGS}/{member}/{HOME_REGION}/{odd}"]
    assert odd_tags["Compliance"]["Status"] == "NOT_AVAILABLE"
    assert "KeyError" in odd_tags["Compliance"]["StatusReasons"][0]["Description"]
    fine_tags = findings[f"orgwarden/{TAGS}/{member}/{HOME_REGION}/{fine}"]
    assert fine_tags["Compliance"]["Status"] == "PASSED"
    # The odd bucket's other rules, which read no tags, are judged as usual.
    block = findings[f"orgwarden/s3_bucket_block_public_access/{member}/{HOME_REGION}/{odd}"]
    assert block["Compliance"]["Status"] == "FAILED"
    assert wire.faults[0].hits >= 1
