"""A sweep task's evidence: prior states read in batches, records written in transactions, with
the same items and transitions as writing each record on its own (moto's server)."""

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.model import evidence_items as items
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.spec import Status
from tests.evidence_records import T0, record


@pytest.fixture
def store(evidence_table: tuple[Any, str, str]) -> EvidenceStore:
    dynamodb, name, _ = evidence_table
    return EvidenceStore(dynamodb, name)


def swept(bucket: str, hours: int, detected: Status = Status.FAILED) -> EvidenceRecord:
    """A sweep's evaluation: no cause."""
    return record(bucket, observed=T0 + timedelta(hours=hours), detected=detected, with_cause=False)


def put_as_a_sweep_task(store: EvidenceStore, records: list[EvidenceRecord]) -> None:
    states = store.states(r.finding_id for r in records)
    store.put_all(records, states)


def transitions(store: EvidenceStore, finding_id: str) -> list[str | None]:
    return [i.get("transition") for i in store.history_items(finding_id)]


def test_batched_writes_leave_the_items_writing_one_by_one_leaves(store: EvidenceStore) -> None:
    story = [(0, Status.FAILED), (1, Status.FAILED), (2, Status.PASSED), (3, Status.FAILED)]
    opening = None
    for hours, status in story:
        batched = swept("batched-bucket", hours, status)
        put_as_a_sweep_task(store, [batched])
        store.put(swept("single-bucket", hours, status))
        opening = items.open_after(batched, opening)
        assert store.state(batched.finding_id) == items.state_item(batched, opening)
    single_id = swept("single-bucket", 0).finding_id
    assert transitions(store, batched.finding_id) == transitions(store, single_id)
    assert transitions(store, single_id) == ["opened", None, "closed", "opened"]


def test_an_evaluation_written_between_the_read_and_the_write_is_not_overwritten(
    store: EvidenceStore,
) -> None:
    """The sweep read the state (open), then an event's evaluation closed the episode, then the
    sweep writes its FAILED verdict: it must open a new episode, not continue the closed one."""
    store.put(swept("raced-bucket", 0))
    sweep = swept("raced-bucket", 2)
    states = store.states([sweep.finding_id])
    store.put(swept("raced-bucket", 1, Status.PASSED))  # the event's, in between
    store.put_all([sweep], states)

    assert transitions(store, sweep.finding_id) == ["opened", "closed", "opened"]
    state = store.state(sweep.finding_id)
    assert state is not None
    assert state["open_since"] == items.stamp(sweep.observed_at)


def test_a_record_older_than_the_state_it_read_is_kept_as_late(store: EvidenceStore) -> None:
    store.put(swept("late-bucket", 5, Status.PASSED))
    late = swept("late-bucket", 1)
    put_as_a_sweep_task(store, [late])
    state = store.state(late.finding_id)
    assert state is not None
    assert state["status"] == "PASSED"
    assert [i.get("late", False) for i in store.history_items(late.finding_id)] == [True, False]


def test_many_records_cost_a_call_per_hundred_reads_and_fifty_writes(
    store: EvidenceStore, evidence_table: tuple[Any, str, str]
) -> None:
    dynamodb, _, _ = evidence_table
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    dynamodb.meta.events.register("before-call.dynamodb.*", count)
    try:
        records = [swept(f"many-bucket-{n:03d}", 0) for n in range(120)]
        put_as_a_sweep_task(store, records)
    finally:
        dynamodb.meta.events.unregister("before-call.dynamodb.*", count)

    assert calls == Counter({"BatchGetItem": 2, "TransactWriteItems": 3})
    for r in records[::17]:
        assert store.history(r.finding_id) == [r]
        assert transitions(store, r.finding_id) == ["opened"]
