"""Dead-letter reasons: when a failed message is parked, and what a parked message says."""

import json
from pathlib import Path

import pytest

from orgwarden.engine.dead_letters import (
    DETAIL_LIMIT,
    PERMANENT,
    DeadLetterReason,
    attributes,
    event_identity,
    park_now,
    read,
)
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.events import EventContext

EVENTS = sorted((Path(__file__).parents[2] / "events").rglob("*.json"))


@pytest.mark.parametrize("path", EVENTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_identity_read_from_a_body_is_the_id_the_evaluator_records(path: Path) -> None:
    body = path.read_text()
    event, _ = parse_event(body)
    assert event_identity(body) == EventContext.of(event).event_id


@pytest.mark.parametrize(
    "body",
    ["not json", "[1, 2]", '{"detail": {"eventID": 7}}', '{"id": null}', '"text"'],
)
def test_a_body_without_an_identity_has_none(body: str) -> None:
    assert event_identity(body) is None


@pytest.mark.parametrize("reason", sorted(PERMANENT))
def test_a_rejected_event_is_parked_on_its_first_receive(reason: DeadLetterReason) -> None:
    assert park_now(reason, receive_count=1, max_receive_count=5) is reason


def test_a_transient_failure_is_parked_only_on_the_last_allowed_receive() -> None:
    assert [park_now(None, n, 5) for n in range(1, 7)] == [
        None,
        None,
        None,
        None,
        DeadLetterReason.RETRIES_EXHAUSTED,
        DeadLetterReason.RETRIES_EXHAUSTED,
    ]


def test_attributes_read_back_into_the_same_dead_letter() -> None:
    written = attributes(
        DeadLetterReason.RETRIES_EXHAUSTED,
        "x" * (DETAIL_LIMIT + 50),
        original_message_id="m-1",
        receive_count=5,
        event_id=None,
        error="ReadTimeoutError",
    )
    assert all(written.values())  # SQS refuses empty string attributes
    assert "event-id" not in written
    assert len(written["detail"]) == DETAIL_LIMIT
    body = json.dumps({"id": "envelope-1", "detail": {}})
    letter = read(
        {
            "MessageId": "dlq-1",
            "Body": body,
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value}
                for name, value in written.items()
            },
        }
    )
    assert letter.reason is DeadLetterReason.RETRIES_EXHAUSTED
    assert letter.error == "ReadTimeoutError"
    assert letter.receive_count == 5
    assert letter.original_message_id == "m-1"
    assert letter.event_id == "envelope-1"  # read from the body when not given


def test_messages_without_our_attributes_are_named_by_how_they_got_there() -> None:
    crashed = read({"MessageId": "a", "Body": "{}"})
    assert crashed.reason is DeadLetterReason.FUNCTION_FAILURE
    undelivered = read(
        {
            "MessageId": "b",
            "Body": "{}",
            "MessageAttributes": {
                "ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"},
                "ERROR_MESSAGE": {"DataType": "String", "StringValue": "queue not found"},
            },
        }
    )
    assert undelivered.reason is DeadLetterReason.DELIVERY_FAILURE
    assert undelivered.error == "SDK_CLIENT_ERROR"
    assert undelivered.detail == "queue not found"


def test_characters_sqs_refuses_are_replaced_in_the_attributes() -> None:
    written = attributes(
        DeadLetterReason.MALFORMED,
        "event \x00bad\x1f id rejected",
        original_message_id="m",
        receive_count=1,
        event_id="id-\x07",
    )
    assert written["detail"] == "event \ufffdbad\ufffd id rejected"
    assert written["event-id"] == "id-\ufffd"
