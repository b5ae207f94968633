"""What a message in the evaluation dead-letter queue says about why it is there. Pure.

SQS redrive moves a message unchanged, so it cannot say why. The evaluator therefore parks a
message itself, with message attributes, in two cases:

- the event can never be processed as sent (malformed, untrusted, a bad identifier): parked on
  its first receive, never retried;
- a transient failure (throttling, a timeout, a fix that does not hold) lasted through the
  queue's last allowed receive (`ApproximateReceiveCount` >= `maxReceiveCount`).

Two kinds of message arrive without the evaluator's attributes, and a reader names them:
SQS's own redrive after the function died or timed out on the last receive
(`function-failure`), and EventBridge's target dead-letter config when the queue could not be
reached (`delivery-failure`, with EventBridge's `ERROR_CODE` attribute).

The body is always the original message body, so a parked message can be moved back to the
queue once its cause is fixed.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from orgwarden.model.spec import clip


class DeadLetterReason(StrEnum):
    MALFORMED = "malformed"  # not JSON, or not an event (or sweep task) of an accepted shape
    MISSING_RESOURCE = "missing-resource"  # its rules look for a resource id; it names none
    INVALID_IDENTIFIER = "invalid-identifier"  # a resource id, account or region of a bad format
    UNTRUSTED_ACCOUNT = "untrusted-account"  # another account's event, or not a member's
    UNTRUSTED_SOURCE = "untrusted-source"  # not an AWS service's event (a source not aws.*)
    RETRIES_EXHAUSTED = "retries-exhausted"  # a transient failure on every allowed receive
    # Never written by the evaluator: how a reader names messages without its attributes.
    FUNCTION_FAILURE = "function-failure"
    DELIVERY_FAILURE = "delivery-failure"


# Rejections of the event itself: retrying cannot help, so these are parked at once.
PERMANENT = frozenset(
    {
        DeadLetterReason.MALFORMED,
        DeadLetterReason.MISSING_RESOURCE,
        DeadLetterReason.INVALID_IDENTIFIER,
        DeadLetterReason.UNTRUSTED_ACCOUNT,
        DeadLetterReason.UNTRUSTED_SOURCE,
    }
)

REASON = "reason"
DETAIL = "detail"
ERROR = "error"
EVENT_ID = "event-id"
ORIGINAL_MESSAGE_ID = "original-message-id"
RECEIVE_COUNT = "receive-count"
# Set by EventBridge on events it could not deliver to a target.
EVENTBRIDGE_ERROR_CODE = "ERROR_CODE"
DETAIL_LIMIT = 1000
# Characters SQS refuses in a message attribute (its allowed set is XML's): an event's own
# text in a rejection's detail must not make the parking itself fail.
_SQS_UNSAFE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def event_identity(body: str) -> str | None:
    """The id the evaluator records an event under, read from a message body without
    validating the event (`identity_of`). None when the body has none."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):  # a body nested deeper than the parser goes
        return None
    return identity_of(raw)


def identity_of(raw: Any) -> str | None:
    """The id of a message read as JSON, valid or not: a CloudTrail record's `eventID` (the
    same call delivered twice has one), else the EventBridge envelope's `id`. None when the
    message has neither (a sweep task)."""
    if not isinstance(raw, dict):
        return None
    detail = raw.get("detail")
    if isinstance(detail, dict) and isinstance(detail.get("eventID"), str):
        return str(detail["eventID"])
    envelope_id = raw.get("id")
    return envelope_id if isinstance(envelope_id, str) else None


def park_now(
    reason: DeadLetterReason | None, receive_count: int, max_receive_count: int
) -> DeadLetterReason | None:
    """Whether a failed message is parked now, and why; None: let SQS deliver it again.

    `reason` is the rejection's reason, or None for any other (transient) failure.
    """
    if reason in PERMANENT:
        return reason
    if receive_count >= max_receive_count:
        return DeadLetterReason.RETRIES_EXHAUSTED
    return None


def attributes(
    reason: DeadLetterReason,
    detail: str,
    *,
    original_message_id: str,
    receive_count: int,
    event_id: str | None,
    error: str | None = None,
) -> dict[str, str]:
    """The message attributes of a parked message (SQS string attributes; none empty)."""
    detail = _SQS_UNSAFE.sub("\ufffd", detail)
    values = {
        REASON: reason.value,
        DETAIL: clip(detail, DETAIL_LIMIT),
        ORIGINAL_MESSAGE_ID: original_message_id,
        RECEIVE_COUNT: str(receive_count),
        EVENT_ID: _SQS_UNSAFE.sub("\ufffd", event_id or "")[:DETAIL_LIMIT],
        ERROR: error or "",
    }
    return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class DeadLetter:
    """One message read back from the dead-letter queue."""

    message_id: str
    body: str
    reason: DeadLetterReason
    detail: str
    event_id: str | None  # the evaluator's, else read from the body
    original_message_id: str | None
    receive_count: int | None
    error: str | None


def read(message: Mapping[str, Any]) -> DeadLetter:
    """A dead-letter message as SQS's ReceiveMessage returns it (with MessageAttributeNames)."""
    found = {
        name: str(value.get("StringValue", ""))
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    body = str(message["Body"])
    if REASON in found:
        reason = DeadLetterReason(found[REASON])
    elif EVENTBRIDGE_ERROR_CODE in found:
        reason = DeadLetterReason.DELIVERY_FAILURE
    else:
        reason = DeadLetterReason.FUNCTION_FAILURE
    count = found.get(RECEIVE_COUNT)
    return DeadLetter(
        message_id=str(message["MessageId"]),
        body=body,
        reason=reason,
        detail=found.get(DETAIL) or found.get("ERROR_MESSAGE", ""),
        event_id=found.get(EVENT_ID) or event_identity(body),
        original_message_id=found.get(ORIGINAL_MESSAGE_ID),
        receive_count=int(count) if count else None,
        error=found.get(ERROR) or found.get(EVENTBRIDGE_ERROR_CODE),
    )
