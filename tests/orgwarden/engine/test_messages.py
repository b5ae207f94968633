"""The evaluation queue's one message model: each kind a body can hold, parsed once, and every
rejection with the field and a machine-readable reason. Pure: no AWS."""

import json
from typing import Any

import pytest

from orgwarden.engine.dead_letters import DeadLetterReason, event_identity
from orgwarden.engine.evaluator import parse_event
from orgwarden.engine.messages import (
    MAX_PROBLEMS,
    AccountSweep,
    RejectedEvent,
    SweepTask,
    parse_message,
)
from orgwarden.model.events import (
    CLOUDTRAIL_API_CALL,
    CloudTrailEvent,
    ConfigItemEvent,
    GuardDutyFindingEvent,
)
from tests.conftest import EVENTS, load_event

TASK = {
    "kind": "sweep",
    "sweep_id": "20310101T000000Z",
    "account_id": "123456789012",
    "region": "us-east-1",
    "resource_types": ["AwsS3Bucket"],
}
ACCOUNT_TASK = {
    "kind": "sweep-account",
    "sweep_id": "20310101T000000Z",
    "account_id": "123456789012",
    "regions": ["us-east-1", "eu-west-1"],
    "home_region": "us-east-1",
}


@pytest.mark.parametrize(
    ("fixture", "model"),
    [
        ("cloudtrail/s3/PutBucketPolicy.json", CloudTrailEvent),
        ("signin/ConsoleLogin-root.json", CloudTrailEvent),
        ("config/AWS-EC2-Instance.json", ConfigItemEvent),
        ("guardduty/UnauthorizedAccess-IAMUser.json", GuardDutyFindingEvent),
    ],
)
def test_an_event_is_parsed_with_its_identity_and_correlation_id(
    fixture: str, model: type[Any]
) -> None:
    body = (EVENTS / fixture).read_text()
    received = parse_message(body)
    assert isinstance(received.message, model)
    assert received.raw == json.loads(body)
    assert received.identity == event_identity(body)  # what the dead-letter reader finds
    assert received.correlation_id == json.loads(body)["id"]


@pytest.mark.parametrize(("raw", "model"), [(TASK, SweepTask), (ACCOUNT_TASK, AccountSweep)])
def test_each_task_kind_is_parsed_to_its_model(raw: dict[str, Any], model: type[Any]) -> None:
    received = parse_message(json.dumps(raw))
    assert isinstance(received.message, model)
    assert received.message.model_dump(mode="json", exclude_defaults=True) == {
        k: v for k, v in raw.items() if k != "kind"
    }
    assert received.correlation_id == "sweep/20310101T000000Z"
    assert received.identity is None  # a task has no event id
    # What a task queues is what the queue parses back.
    assert parse_message(received.message.model_dump_json()).message == received.message


def test_aws_payloads_may_grow_fields_and_our_own_tasks_may_not() -> None:
    event = load_event("cloudtrail", "s3", "PutBucketPolicy")
    event["newField"] = {"added": "by AWS"}
    event["detail"]["anotherField"] = 1
    assert isinstance(parse_message(json.dumps(event)).message, CloudTrailEvent)
    with pytest.raises(RejectedEvent, match="sweep task rejected: extra: Extra inputs") as error:
        parse_message(json.dumps({**TASK, "extra": 1}))
    assert error.value.reason is DeadLetterReason.MALFORMED


def broken(mutate: Any) -> str:
    event = load_event("cloudtrail", "s3", "PutBucketPolicy")
    mutate(event)
    return json.dumps(event)


EVENT_ID = load_event("cloudtrail", "s3", "PutBucketPolicy")["id"]
RECORD_ID = load_event("cloudtrail", "s3", "PutBucketPolicy")["detail"]["eventID"]


@pytest.mark.parametrize(
    ("body", "text", "identity"),
    [
        ('{"version": "0", "id": "abc"', "body is not JSON: ", None),
        ("[1, 2]", "body is JSON list, not an EventBridge event object", None),
        (
            broken(lambda e: e["detail"].pop("eventName")),
            f"event {EVENT_ID} rejected: {CLOUDTRAIL_API_CALL}.detail.eventName: Field required",
            RECORD_ID,
        ),
        (
            broken(lambda e: e.update({"detail-type": "Object Created"})),
            f"event {EVENT_ID} rejected: <event>: Input tag 'Object Created' found using "
            "'detail_type' | 'detail-type' does not match",
            RECORD_ID,
        ),
        (
            broken(lambda e: e.pop("id")),
            f"event <no id> rejected: {CLOUDTRAIL_API_CALL}.id: Field required",
            RECORD_ID,
        ),
        (
            json.dumps({**TASK, "account_id": "1"}),
            "sweep task rejected: account_id: String should match pattern",
            None,
        ),
        (
            json.dumps({**TASK, "resource_types": ["AwsA", "AwsB"], "resources": [{"id": "a"}]}),
            "sweep task rejected: resources.0.region: Field required",
            None,
        ),
        (
            json.dumps(
                {
                    **TASK,
                    "resource_types": ["AwsA", "AwsB"],
                    "resources": [{"id": "a", "region": "us-east-1"}],
                }
            ),
            "sweep task rejected: Value error, a part names the resources of one type",
            None,
        ),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "missing-field",
        "unknown-detail-type",
        "no-envelope-id",
        "task-bad-account",
        "task-bad-part",
        "task-part-of-two-types",
    ],
)
def test_a_rejected_body_names_the_field_and_is_malformed(
    body: str, text: str, identity: str | None
) -> None:
    with pytest.raises(RejectedEvent) as error:
        parse_message(body)
    assert str(error.value).startswith(text)
    assert error.value.reason is DeadLetterReason.MALFORMED
    assert error.value.identity == identity  # what parking records, without reading it again


def test_a_rejection_names_at_most_five_problems() -> None:
    detail = load_event("cloudtrail", "s3", "PutBucketPolicy")["detail"]
    for field in ("eventName", "eventSource", "eventTime", "eventID", "eventType", "awsRegion"):
        detail.pop(field)
    body = broken(lambda e: e.update(detail=detail))
    with pytest.raises(RejectedEvent) as error:
        parse_message(body)
    assert str(error.value).count("Field required") == MAX_PROBLEMS


def test_parse_event_is_the_message_parse_for_those_that_hold_an_event() -> None:
    body = (EVENTS / "cloudtrail/s3/PutBucketPolicy.json").read_text()
    event, raw = parse_event(body)
    assert event == parse_message(body).message
    assert raw == json.loads(body)
    with pytest.raises(RejectedEvent, match="holds a sweep-account task, not an event"):
        parse_event(json.dumps(ACCOUNT_TASK))
