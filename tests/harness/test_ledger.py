"""The ledger's reconciliation, on hand-made sides (the end-to-end check is in
tests/reliability/test_ledger.py)."""

import json
from typing import Any

from orgwarden.engine.dead_letters import DeadLetterReason, attributes
from orgwarden_harness.ledger import received_keys, reconcile


def message(message_id: str, event_id: str | None = None, body: str | None = None) -> dict:
    return {
        "MessageId": message_id,
        "Body": body if body is not None else json.dumps({"id": event_id, "detail": {}}),
    }


def parked(message_id: str, body: str, reason: DeadLetterReason, original: str) -> dict[str, Any]:
    written = attributes(
        reason, "why", original_message_id=original, receive_count=1, event_id=None
    )
    return {
        "MessageId": message_id,
        "Body": body,
        "MessageAttributes": {
            k: {"DataType": "String", "StringValue": v} for k, v in written.items()
        },
    }


def test_a_stream_whose_every_event_is_accounted_for_balances() -> None:
    received = [
        message("m1", "e1"),
        message("m2", "e1"),  # a duplicate delivery
        message("m3", "e2"),
        message("m4", body="not json"),
        message("m5", "e3"),
    ]
    letters = [
        parked("d1", "not json", DeadLetterReason.MALFORMED, original="m4"),
        parked("d2", message("x", "e9")["Body"], DeadLetterReason.MALFORMED, "x"),  # not ours
    ]
    balance = reconcile(received_keys(received), {"e1", "e2", "other"}, letters, silent={"e3"})
    assert balance.balanced
    assert balance.messages == 5
    assert balance.evaluated == {"e1", "e2"}
    assert balance.dead_lettered == {"message:m4": {DeadLetterReason.MALFORMED}}
    assert balance.silent == {"e3"}
    assert balance.summary()["reasons"] == {"malformed": 1}


def test_an_event_neither_evaluated_nor_parked_is_missing() -> None:
    balance = reconcile(received_keys([message("m1", "e1"), message("m2", "e2")]), {"e1"}, [])
    assert not balance.balanced
    assert balance.missing == {"e2"}


def test_a_rejected_event_with_a_verdict_unbalances_the_ledger() -> None:
    body = message("m1", "e1")["Body"]
    letters = [parked("d1", body, DeadLetterReason.UNTRUSTED_ACCOUNT, "m1")]
    balance = reconcile(received_keys([message("m1", "e1")]), {"e1"}, letters)
    assert balance.rejected_with_verdicts == {"e1"}
    assert not balance.balanced


def test_an_exhausted_event_with_earlier_verdicts_is_dead_lettered_after_a_partial_evaluation() -> (
    None
):
    body = message("m1", "e1")["Body"]
    letters = [parked("d1", body, DeadLetterReason.RETRIES_EXHAUSTED, "m1")]
    balance = reconcile(received_keys([message("m1", "e1")]), {"e1"}, letters)
    assert balance.balanced
    assert balance.evaluated == frozenset()
    assert balance.partially_evaluated == {"e1"}


def test_an_event_expected_to_be_silent_that_left_a_verdict_unbalances_the_ledger() -> None:
    balance = reconcile(received_keys([message("m1", "e1")]), {"e1"}, [], silent={"e1"})
    assert balance.silent_but_not == {"e1"}
    assert not balance.balanced
