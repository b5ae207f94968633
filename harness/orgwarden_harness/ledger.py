"""The ledger of received events: every one ends evaluated or dead-lettered with a reason. Pure.

Three sides are reconciled by event id (`dead_letters.event_identity`: a CloudTrail record's
`eventID`, else the envelope id; a body that has neither is known by its SQS message id):

- received: the messages the queue handed to the evaluator (duplicates and retries included);
- evaluated: the event ids of the evidence table's history items (one per verdict);
- dead-lettered: the dead-letter queue's messages, each with its reason.

The balance holds when every received event is evaluated, dead-lettered, or one of the events
the caller expects to leave no verdict (a call that failed at source, for instance), and when
no event rejected as untrusted or malformed has a verdict.
"""

from collections import Counter
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from typing import Any

from orgwarden.engine.dead_letters import (
    PERMANENT,
    DeadLetter,
    DeadLetterReason,
    event_identity,
    read,
)


def message_key(body: str, message_id: str) -> str:
    """The ledger's key of a received message."""
    return event_identity(body) or f"message:{message_id}"


def dead_letter_key(letter: DeadLetter) -> str:
    return letter.event_id or f"message:{letter.original_message_id or letter.message_id}"


@dataclass(frozen=True)
class Balance:
    messages: int  # messages received, retries and duplicates included
    received: frozenset[str]  # distinct events received
    evaluated: frozenset[str]  # received, with verdicts recorded and not dead-lettered
    dead_lettered: Mapping[str, frozenset[DeadLetterReason]]  # received and dead-lettered
    silent: frozenset[str]  # received, expected to leave no verdict, and left none
    # Dead-lettered after an earlier attempt recorded some verdicts (a fix that never held, an
    # import that kept failing after the evidence was written).
    partially_evaluated: frozenset[str]
    missing: frozenset[str]  # received, and neither evaluated nor dead-lettered
    # Rejected as malformed or untrusted, yet with a verdict: a trust check came too late.
    rejected_with_verdicts: frozenset[str]
    # Expected to leave no verdict but left one, or was dead-lettered.
    silent_but_not: frozenset[str]

    @property
    def balanced(self) -> bool:
        return (
            not self.missing
            and not self.rejected_with_verdicts
            and not self.silent_but_not
            and len(self.evaluated) + len(self.dead_lettered) + len(self.silent)
            == len(self.received)
        )

    def reasons(self) -> Counter[str]:
        """Dead-lettered events per reason."""
        return Counter(reason.value for found in self.dead_lettered.values() for reason in found)

    def summary(self) -> dict[str, Any]:
        return {
            "messages received": self.messages,
            "events received": len(self.received),
            "evaluated": len(self.evaluated),
            "dead-lettered": len(self.dead_lettered),
            "no verdict expected": len(self.silent),
            "dead-lettered after a partial evaluation": len(self.partially_evaluated),
            "missing": len(self.missing),
            "rejected yet evaluated": len(self.rejected_with_verdicts),
            "balanced": self.balanced,
            "reasons": dict(sorted(self.reasons().items())),
        }


def received_keys(messages: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ledger keys of received SQS messages (as ReceiveMessage returns them), one each."""
    return [message_key(m["Body"], m["MessageId"]) for m in messages]


def reconcile(
    received: Iterable[str],
    evaluated_ids: Set[str],
    dead_letter_messages: Iterable[Mapping[str, Any]],
    *,
    silent: Set[str] = frozenset(),
) -> Balance:
    """Reconcile the keys of the received messages (`received_keys`, one per message) with the
    evaluated event ids and the dead-letter queue's messages. Dead letters of events not
    received here (another run's) are ignored."""
    messages = list(received)
    keys = frozenset(messages)
    parked: dict[str, set[DeadLetterReason]] = {}
    for message in dead_letter_messages:
        letter = read(message)
        key = dead_letter_key(letter)
        if key in keys:
            parked.setdefault(key, set()).add(letter.reason)
    with_verdicts = keys & evaluated_ids
    dead = frozenset(parked)
    quiet = frozenset(silent) & keys - with_verdicts - dead
    rejected = frozenset(key for key in dead & with_verdicts if parked[key] & PERMANENT)
    return Balance(
        messages=len(messages),
        received=keys,
        evaluated=with_verdicts - dead,
        dead_lettered={key: frozenset(reasons) for key, reasons in parked.items()},
        silent=quiet,
        partially_evaluated=frozenset(dead & with_verdicts - rejected),
        missing=keys - with_verdicts - dead - quiet,
        rejected_with_verdicts=rejected,
        silent_but_not=frozenset(silent) & keys - quiet,
    )
