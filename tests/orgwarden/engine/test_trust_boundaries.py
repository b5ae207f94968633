"""Only the organization's accounts can make orgwarden act, and only about themselves."""

import json
import uuid

import pytest

from orgwarden.engine.evaluator import RejectedEvent, parse_event
from orgwarden.engine.policy import default_policy
from orgwarden_harness.simulation import SimulatedOrganization
from tests.orgwarden.engine.test_safety import build, public_bucket, sim  # noqa: F401 - fixture

OUTSIDER = "999988887777"


def test_an_event_about_an_account_outside_the_organization_is_rejected(
    sim: SimulatedOrganization,  # noqa: F811
) -> None:
    event = public_bucket(sim)
    event["account"] = OUTSIDER
    event["detail"]["recipientAccountId"] = OUTSIDER
    with pytest.raises(RejectedEvent, match="not an active member"):
        build(default_policy()).process(*parse_event(json.dumps(event)))


def test_an_event_claiming_another_members_account_is_rejected(
    sim: SimulatedOrganization,  # noqa: F811
) -> None:
    event = public_bucket(sim, account="analytics-prod")
    event["account"] = sim.accounts["sandbox-dev"].account_id  # delivered by another member
    event["id"] = str(uuid.uuid4())
    with pytest.raises(RejectedEvent, match="delivered by account"):
        build(default_policy()).process(*parse_event(json.dumps(event)))
    bucket = event["detail"]["requestParameters"]["bucketName"]
    assert sim.bucket_block(event["detail"]["recipientAccountId"], bucket) is None
