"""How evidence is laid out in the DynamoDB evidence table. Pure: no I/O, no clock.

The table answers an auditor's questions ("every public bucket in the last year, who made it
public, who fixed it, how long it stayed open") with a handful of queries, and spreads writes so
no partition runs hot. Every key is built here; `orgwarden.aws.evidence_store` only sends them.

Items (base table; `pk` = `FINDING#<finding id>`, so one finding's whole story is one partition):

  history  sk `EVAL#<observed at>#<event id>`  one per evaluation, written once, never changed.
           Carries the full `EvidenceRecord` as JSON, plus, when the evaluation changed whether
           the finding is non-compliant, a `transition` (opened | closed | opened-closed).
           A closing item also copies the episode's opening (time, cause, reason), so one item
           answers "who made it public, who fixed it, how long".
  state    sk `STATE`                          one per (rule, resource): the latest status and
           record, and while the finding is non-compliant, `open_since` and the opening cause.
           Updated on every evaluation with a condition on `last_observed_at`, so a late or
           reordered evaluation never rolls the state back (its history item is still written,
           marked `late`, with no transition).

Indexes (both overloaded: two item kinds share each one):

  by-account-time  gsi1pk `ACCOUNT#<account>#<YYYY-MM>`, gsi1sk `<observed at>#<finding id>`
                   every history item: what happened in one account, month by month.
                   gsi1pk `STATE#<account>`, gsi1sk `<rule>#<finding id>`: every state item,
                   the account's current posture in one query.
  by-rule-time     sparse. gsi2pk `RULE#<rule>#<YYYY-MM>#<shard>`, gsi2sk `<time>#<finding id>`
                   only history items with a transition, at the time the change happened
                   (the causing event's time, or the verified fix's time): the auditor's
                   question reads transitions, not the millions of unchanged re-evaluations.
                   gsi2pk `OPEN#<rule>#<shard>`, gsi2sk `<open since>#<finding id>`: state
                   items while non-compliant (episodes opened before any window, still open).

Why this shape: a rule's transitions come from every account of the organization, so a rule's
partition is split into `RULE_SHARDS` shards by a hash of the finding id; a month bucket bounds
each partition's size and lets a time range read only its months (a year is 12 x 8 queries, run
in parallel). An account's items come from one account, whose API rate and the evaluator's
reserved concurrency bound them well under a partition's 1,000 writes/s, so they are bucketed by
month only. Non-compliant means FAILED or WARNING (an exempted resource is still exposed);
PASSED and NOT_APPLICABLE (the resource is gone) close an episode; NOT_AVAILABLE (we could not
read) neither opens nor closes one.
"""

import hashlib
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from orgwarden.model.events import EventContext
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.spec import Status

BY_ACCOUNT_INDEX = "by-account-time"
BY_RULE_INDEX = "by-rule-time"
RULE_SHARDS = 8
STATE_SK = "STATE"
HISTORY_PREFIX = "EVAL#"
KIND_HISTORY = "evaluation"
KIND_STATE = "state"

OPEN_STATUSES = frozenset({Status.FAILED, Status.WARNING})
CLOSING_STATUSES = frozenset({Status.PASSED, Status.NOT_APPLICABLE})


class Transition(StrEnum):
    OPENED = "opened"
    CLOSED = "closed"
    OPENED_AND_CLOSED = "opened-closed"


class OpenEpisode(BaseModel):
    """The start of a period of non-compliance, as the state item remembers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opened_at: datetime
    cause: EventContext | None
    reason: str


def stamp(moment: datetime) -> str:
    """A fixed-width UTC time string: keys sort lexicographically in time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def month_of(moment: datetime) -> str:
    return stamp(moment)[:7]


def shard_of(finding_id: str) -> int:
    return int(hashlib.sha256(finding_id.encode()).hexdigest()[:8], 16) % RULE_SHARDS


def finding_pk(finding_id: str) -> str:
    return f"FINDING#{finding_id}"


def history_sk(record: EvidenceRecord) -> str:
    event_id = record.cause.event_id if record.cause else "sweep"
    return f"{HISTORY_PREFIX}{stamp(record.observed_at)}#{event_id}"


def event_id_of(sk: str) -> str:
    """The event id in a history item's sort key ("sweep" for a sweep's evaluation)."""
    return sk.removeprefix(HISTORY_PREFIX).split("#", 1)[1]


def account_partition(account_id: str, month: str) -> str:
    return f"ACCOUNT#{account_id}#{month}"


def state_partition(account_id: str) -> str:
    return f"STATE#{account_id}"


def rule_partition(rule_id: str, month: str, shard: int) -> str:
    return f"RULE#{rule_id}#{month}#{shard:02d}"


def open_partition(rule_id: str, shard: int) -> str:
    return f"OPEN#{rule_id}#{shard:02d}"


def opening_of(record: EvidenceRecord) -> OpenEpisode:
    """The episode a record opens: it started when the causing change was made."""
    opened_at = record.cause.event_time if record.cause else record.observed_at
    return OpenEpisode(opened_at=opened_at, cause=record.cause, reason=record.detected_reason)


def closed_at(record: EvidenceRecord) -> datetime:
    """When a closing record's fix took effect: our verified fix, else the change that fixed it."""
    action = record.action
    if action and action.outcome == "verified":
        return action.finished_at or record.observed_at
    if record.cause:
        return record.cause.event_time
    return record.observed_at


def transition(
    record: EvidenceRecord, prior: OpenEpisode | None, *, late: bool
) -> tuple[Transition | None, OpenEpisode | None]:
    """Whether this evaluation changed the finding's compliance, and the episode concerned."""
    if late:
        return None, None
    if prior is None:
        if record.detected_status not in OPEN_STATUSES:
            return None, None
        opened = opening_of(record)
        if record.status in CLOSING_STATUSES:
            return Transition.OPENED_AND_CLOSED, opened
        return Transition.OPENED, opened
    if record.status in CLOSING_STATUSES:
        return Transition.CLOSED, prior
    return None, prior


def common_attributes(record: EvidenceRecord) -> dict[str, Any]:
    return {
        "finding_id": record.finding_id,
        "rule_id": record.rule_id,
        "account_id": record.resource.account_id,
        "region": record.resource.region,
        "resource_id": record.resource.resource_id,
        "status": record.status.value,
        "severity": record.severity.value,
        "controls": list(record.controls),
        "observed_at": stamp(record.observed_at),
        # The full record as JSON: readable by any tool, immune to DynamoDB's float rules.
        "record": record.model_dump_json(),
    }


def history_item(
    record: EvidenceRecord,
    change: Transition | None,
    episode: OpenEpisode | None,
    *,
    late: bool = False,
) -> dict[str, Any]:
    """The history item of one evaluation, as plain values (the adapter serializes them)."""
    observed = stamp(record.observed_at)
    item = {
        "pk": finding_pk(record.finding_id),
        "sk": history_sk(record),
        "kind": KIND_HISTORY,
        "detected_status": record.detected_status.value,
        **common_attributes(record),
        "gsi1pk": account_partition(record.resource.account_id, observed[:7]),
        "gsi1sk": f"{observed}#{record.finding_id}",
    }
    if late:
        item["late"] = True
    if change is None or episode is None:
        return item
    at = episode.opened_at if change is Transition.OPENED else closed_at(record)
    item |= {
        "transition": change.value,
        "episode_opened_at": stamp(episode.opened_at),
        "episode_opening": episode.model_dump_json(),
        "gsi2pk": rule_partition(record.rule_id, month_of(at), shard_of(record.finding_id)),
        "gsi2sk": f"{stamp(at)}#{record.finding_id}",
    }
    return item


def open_after(record: EvidenceRecord, prior: OpenEpisode | None) -> OpenEpisode | None:
    """The episode open once this record is applied (what the state item then remembers)."""
    if record.status in OPEN_STATUSES:
        return prior or opening_of(record)
    if record.status in CLOSING_STATUSES:
        return None
    return prior


def state_item(record: EvidenceRecord, opening: OpenEpisode | None) -> dict[str, Any]:
    """The state item after `record`, with `opening` the episode then open (see `open_after`)."""
    item = {
        "pk": finding_pk(record.finding_id),
        "sk": STATE_SK,
        "kind": KIND_STATE,
        **common_attributes(record),
        "last_sk": history_sk(record),
        "gsi1pk": state_partition(record.resource.account_id),
        "gsi1sk": f"{record.rule_id}#{record.finding_id}",
    }
    if opening:
        item |= {
            "open_since": stamp(opening.opened_at),
            "opening": opening.model_dump_json(),
            "gsi2pk": open_partition(record.rule_id, shard_of(record.finding_id)),
            "gsi2sk": f"{stamp(opening.opened_at)}#{record.finding_id}",
        }
    return item


# Kept from the first opening while the finding stays non-compliant.
_OPENING_ATTRIBUTES = ("open_since", "opening", "gsi2sk")


def state_update(record: EvidenceRecord) -> dict[str, Any]:
    """UpdateItem arguments (plain values) that move the state item to this record.

    One conditional update, equal in effect to `state_item(record, open_after(record, prior))`
    for whatever prior state the table holds; the prior state comes back with it
    (ReturnValues=ALL_OLD), which is how the history item learns its transition without a
    read-modify-write race. The condition keeps a late evaluation from rolling the state back.
    """
    target = state_item(record, opening_of(record) if record.status in OPEN_STATUSES else None)
    key = {"pk": target.pop("pk"), "sk": target.pop("sk")}
    names = {f"#{name}": name for name in target}
    values = {f":{name}": value for name, value in target.items()}
    assignments = [
        f"#{name} = if_not_exists(#{name}, :{name})"
        if name in _OPENING_ATTRIBUTES
        else f"#{name} = :{name}"
        for name in target
    ]
    expression = "SET " + ", ".join(assignments)
    if record.status in CLOSING_STATUSES:
        remove = (*_OPENING_ATTRIBUTES, "gsi2pk")
        names |= {f"#{name}": name for name in remove}
        expression += " REMOVE " + ", ".join(f"#{name}" for name in remove)
    names["#observed_at"] = "observed_at"
    return {
        "Key": key,
        "UpdateExpression": expression,
        "ConditionExpression": "attribute_not_exists(pk) OR #observed_at <= :observed_at",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
        "ReturnValues": "ALL_OLD",
    }


def prior_episode(old_state: dict[str, Any] | None) -> OpenEpisode | None:
    """The open episode a state item held before an update, if any."""
    if not old_state or "opening" not in old_state:
        return None
    return OpenEpisode.model_validate_json(old_state["opening"])


def read_record(text: str) -> EvidenceRecord:
    """An evidence record from its JSON, tolerating fields this version does not know.

    Records written by a newer orgwarden (an added optional field) must stay readable by an
    older CLI or archive reader: unknown fields are dropped, anything else still fails.
    """
    try:
        return EvidenceRecord.model_validate_json(text)
    except ValidationError as error:
        unknown = [e["loc"] for e in error.errors() if e["type"] == "extra_forbidden"]
        if not unknown or len(unknown) < error.error_count():
            raise
    data = json.loads(text)
    for location in unknown:
        parent = data
        for key in location[:-1]:
            parent = parent[key]
        parent.pop(location[-1], None)
    return EvidenceRecord.model_validate(data)


def months_between(start: datetime, end: datetime) -> list[str]:
    """The `YYYY-MM` buckets a time range touches, oldest first."""
    first, last = stamp(start)[:7], stamp(end)[:7]
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months
