"""The evidence key design, on item construction alone (no AWS)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from orgwarden.model import evidence_items as items
from orgwarden.model.evidence_items import OpenEpisode, Transition
from orgwarden.model.spec import Status
from tests.evidence_records import RULE, T0, record


def test_history_keys_put_a_findings_story_in_one_partition_in_time_order() -> None:
    first = items.history_item(record("bucket-1", observed=T0), None, None)
    later = items.history_item(record("bucket-1", observed=T0 + timedelta(days=40)), None, None)
    assert first["pk"] == later["pk"] == f"FINDING#orgwarden/{RULE}/111122223333/us-east-1/bucket-1"
    assert first["sk"].startswith("EVAL#2026-03-10T09:00:00.000000Z#")
    assert first["sk"] < later["sk"]
    # Account index: bucketed by month of observation.
    assert first["gsi1pk"] == "ACCOUNT#111122223333#2026-03"
    assert later["gsi1pk"] == "ACCOUNT#111122223333#2026-04"


def test_stamps_sort_as_times_do_whatever_the_zone_or_precision() -> None:
    moments = [
        datetime(2026, 1, 1, 23, 30, tzinfo=UTC),
        datetime.fromisoformat("2026-01-02T01:00:00+02:00"),  # 23:00Z the day before
        datetime(2026, 1, 1, 23, 0, 0, 5, tzinfo=UTC),
        datetime(2026, 1, 1, 22, 59),  # naive: taken as UTC
    ]
    assert sorted(moments, key=items.stamp) == sorted(
        moments, key=lambda m: m if m.tzinfo else m.replace(tzinfo=UTC)
    )
    assert {len(items.stamp(m)) for m in moments} == {27}


def test_an_evaluation_without_a_transition_stays_out_of_the_rule_index() -> None:
    item = items.history_item(record("bucket-1", detected=Status.PASSED), None, None)
    assert "gsi2pk" not in item
    assert "transition" not in item


def test_transition_items_are_bucketed_by_rule_month_and_a_stable_shard() -> None:
    r = record("bucket-1", caused_at=T0 - timedelta(days=20))  # made public in February
    change, episode = items.transition(r, None, late=False)
    item = items.history_item(r, change, episode)
    shard = items.shard_of(r.finding_id)
    assert 0 <= shard < items.RULE_SHARDS
    assert item["gsi2pk"] == f"RULE#{RULE}#2026-02#{shard:02d}"
    assert item["gsi2sk"] == f"2026-02-18T09:00:00.000000Z#{r.finding_id}"
    assert item["transition"] == "opened"


def test_findings_spread_over_every_shard() -> None:
    shards = {
        items.shard_of(f"orgwarden/{RULE}/111122223333/us-east-1/bucket-{i}") for i in range(200)
    }
    assert shards == set(range(items.RULE_SHARDS))


OPEN = OpenEpisode(opened_at=T0 - timedelta(days=3), cause=None, reason="public")


@pytest.mark.parametrize(
    ("detected", "status", "fixed", "prior", "late", "expected"),
    [
        (Status.FAILED, None, False, None, False, Transition.OPENED),
        (Status.FAILED, None, True, None, False, Transition.OPENED_AND_CLOSED),
        (Status.FAILED, None, False, OPEN, False, None),  # still failing
        (Status.PASSED, None, False, OPEN, False, Transition.CLOSED),
        (Status.NOT_APPLICABLE, None, False, OPEN, False, Transition.CLOSED),  # bucket deleted
        (Status.NOT_AVAILABLE, None, False, OPEN, False, None),  # could not read: no change
        (Status.NOT_AVAILABLE, None, False, None, False, None),
        (Status.PASSED, None, False, None, False, None),
        (Status.WARNING, None, False, None, False, Transition.OPENED),  # exempted, still exposed
        (Status.FAILED, None, False, None, True, None),  # late: history only
    ],
)
def test_transitions(
    detected: Status,
    status: Status | None,
    fixed: bool,
    prior: OpenEpisode | None,
    late: bool,
    expected: Transition | None,
) -> None:
    r = record("bucket-1", detected=detected, status=status, fixed=fixed)
    change, episode = items.transition(r, prior, late=late)
    assert change == expected
    if change is Transition.CLOSED:
        assert episode == prior  # the closing item names the opening it ends


def test_a_closing_item_carries_its_opening_and_is_keyed_at_the_fix() -> None:
    r = record("bucket-1", detected=Status.FAILED, fixed=True, caused_at=T0 - timedelta(minutes=1))
    change, episode = items.transition(r, None, late=False)
    item = items.history_item(r, change, episode)
    assert item["transition"] == "opened-closed"
    assert item["episode_opened_at"] == "2026-03-10T08:59:00.000000Z"
    assert OpenEpisode.model_validate_json(item["episode_opening"]).cause == r.cause
    assert item["gsi2sk"].startswith("2026-03-10T09:00:02.000000Z#")  # the fix's finish time


def test_state_update_keeps_the_first_opening_and_removes_it_on_close() -> None:
    failing = items.state_update(record("bucket-1"))
    assert "#open_since = if_not_exists(#open_since, :open_since)" in failing["UpdateExpression"]
    assert "REMOVE" not in failing["UpdateExpression"]
    assert failing["ExpressionAttributeValues"][":gsi2pk"].startswith(f"OPEN#{RULE}#")
    closing = items.state_update(record("bucket-1", detected=Status.PASSED))
    assert closing["UpdateExpression"].endswith("REMOVE #open_since, #opening, #gsi2sk, #gsi2pk")
    unreadable = items.state_update(record("bucket-1", detected=Status.NOT_AVAILABLE))
    assert "open_since" not in unreadable["UpdateExpression"]
    assert failing["ConditionExpression"] == (
        "attribute_not_exists(pk) OR #observed_at <= :observed_at"
    )
    assert failing["Key"] == {"pk": f"FINDING#{record('bucket-1').finding_id}", "sk": "STATE"}


def test_open_after_follows_the_state_updates_rules() -> None:
    assert items.open_after(record("bucket-1", detected=Status.FAILED), OPEN) == OPEN
    assert items.open_after(record("bucket-1", detected=Status.NOT_AVAILABLE), OPEN) == OPEN
    assert items.open_after(record("bucket-1", detected=Status.PASSED), OPEN) is None
    fresh = items.open_after(record("bucket-1", detected=Status.FAILED), None)
    assert fresh is not None
    assert fresh.opened_at == T0


def test_records_from_a_newer_writer_are_read_without_their_unknown_fields() -> None:
    data = json.loads(record("bucket-1", fixed=True).model_dump_json())
    data["approval_ticket"] = {"owner": "marketing", "expires": "2027-01-01"}
    data["action"]["approval"] = "CHG-1234"
    read = items.read_record(json.dumps(data))
    assert read.resource.resource_id == "bucket-1"
    assert read.action is not None
    assert read.action.outcome == "verified"


def test_a_record_with_a_wrong_field_is_still_refused() -> None:
    data = json.loads(record("bucket-1").model_dump_json())
    data["approval_ticket"] = "x"
    data["status"] = "MAYBE"
    with pytest.raises(ValidationError, match="status"):
        items.read_record(json.dumps(data))
