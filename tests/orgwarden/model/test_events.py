"""Parsing real-shaped events, and rejecting broken ones with a reason that names the field."""

import json

import pytest

from orgwarden.engine.evaluator import RejectedEvent, parse_event
from tests.conftest import EVENTS, load_event

S3_EVENTS = sorted(p.stem for p in (EVENTS / "cloudtrail" / "s3").glob("*.json"))


@pytest.mark.parametrize("name", S3_EVENTS)
def test_every_fixture_parses(name: str) -> None:
    event, raw = parse_event(json.dumps(load_event("cloudtrail", "s3", name)))
    # `<EventName>.<variant>.json`
    assert event.detail.event_name == name.partition(".")[0]
    assert event.detail.recipient_account_id == "111122223333"
    # Account-level calls (S3 Control) name no bucket.
    account_level = "Account" in name or name.endswith(".account")
    bucket = None if account_level else "customer-data-prod"
    assert raw["detail"]["requestParameters"].get("bucketName") == bucket


def test_the_cause_is_taken_from_the_event() -> None:
    event, _ = parse_event(json.dumps(load_event("cloudtrail", "s3", "PutBucketPolicy")))
    assert event.detail.user_identity.arn.endswith("/jane.doe@example.com")
    assert event.detail.source_ip_address == "198.51.100.77"
    assert event.detail.user_identity.role_arn.endswith(
        "AWSReservedSSO_DeveloperAccess_0123456789abcdef"
    )


def broken(mutate) -> str:  # type: ignore[no-untyped-def]
    event = load_event("cloudtrail", "s3", "PutBucketPolicy")
    mutate(event)
    return json.dumps(event)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"version": "0", "id": "abc"', "body is not JSON"),
        ("[1, 2]", "JSON list, not an EventBridge event"),
        (broken(lambda e: e["detail"].pop("eventName")), "detail.eventName: Field required"),
        (
            broken(lambda e: e["detail"].update(recipientAccountId="12345")),
            "detail.recipientAccountId",
        ),
        (broken(lambda e: e["detail"].update(userIdentity="root")), "detail.userIdentity"),
        (broken(lambda e: e["detail"].update(eventTime="yesterday")), "detail.eventTime"),
        (broken(lambda e: e.update({"detail-type": "Object Created"})), "detail-type"),
        (broken(lambda e: e["detail"].update(awsRegion="moon-1")), "detail.awsRegion"),
    ],
    ids=[
        "truncated",
        "not-an-object",
        "dropped-field",
        "bad-account",
        "wrong-type",
        "bad-time",
        "wrong-detail-type",
        "bad-region",
    ],
)
def test_scenario_21_a_broken_event_is_rejected_with_a_reason_naming_the_field(
    body: str, reason: str
) -> None:
    with pytest.raises(RejectedEvent, match=reason.replace(".", r"\.")):
        parse_event(body)
