"""The evidence store on moto's server, in a table declared as in template.yaml."""

from datetime import timedelta
from typing import Any

import pytest

from orgwarden.audit.episodes import EpisodeFilter
from orgwarden.audit.queries import find_episodes, query_plan
from orgwarden.aws.evidence_store import EvidenceStore, deserialize
from orgwarden.model import evidence_items as items
from orgwarden.model.spec import Status
from tests.evidence_records import RULE, T0, record

A, B = "111122223333", "444455556666"


@pytest.fixture
def store(evidence_table: tuple[Any, str, str]) -> EvidenceStore:
    dynamodb, name, _ = evidence_table
    return EvidenceStore(dynamodb, name)


def window(days_before: int = 30, days_after: int = 30, **kwargs: Any) -> EpisodeFilter:
    return EpisodeFilter(
        start=T0 - timedelta(days=days_before), end=T0 + timedelta(days=days_after), **kwargs
    )


def test_put_and_history_round_trip_every_field(store: EvidenceStore) -> None:
    first = record("data-bucket", observed=T0)
    second = record("data-bucket", observed=T0 + timedelta(hours=1), fixed=True)
    store.put(second)  # delivered out of order
    store.put(first)
    assert store.history(first.finding_id) == [first, second]


def test_the_state_item_is_what_the_pure_layout_says(store: EvidenceStore) -> None:
    """The UpdateItem expression and `state_item` agree, across open, still-open and close."""
    opened = record("data-bucket", observed=T0, caused_at=T0 - timedelta(hours=72))
    again = record("data-bucket", observed=T0 + timedelta(hours=1))
    prior = None
    for r in (opened, again):
        store.put(r)
        prior = items.open_after(r, prior)
        assert store.state(r.finding_id) == items.state_item(r, prior)
    assert prior is not None
    assert prior.opened_at == T0 - timedelta(hours=72)
    closed = record("data-bucket", observed=T0 + timedelta(hours=2), detected=Status.PASSED)
    store.put(closed)
    assert store.state(closed.finding_id) == items.state_item(closed, None)


def test_a_late_evaluation_is_kept_in_history_but_does_not_roll_the_state_back(
    store: EvidenceStore,
) -> None:
    fixed = record("data-bucket", observed=T0 + timedelta(hours=1), detected=Status.PASSED)
    stale = record("data-bucket", observed=T0)
    store.put(fixed)
    store.put(stale)
    state = store.state(fixed.finding_id)
    assert state is not None
    assert state["status"] == "PASSED"
    assert "opening" not in state
    late = [i for i in store.history_items(fixed.finding_id) if i.get("late")]
    assert [items.read_record(i["record"]) for i in late] == [stale]
    assert "transition" not in late[0]


def test_the_auditors_question_who_opened_who_closed_how_long(store: EvidenceStore) -> None:
    """Scenario 2: public for 72 hours (detect), then fixed by its owner; and one fixed by
    orgwarden seconds after it was made public; a compliant bucket is no episode."""
    store.put(record("slow-bucket", observed=T0, caused_at=T0 - timedelta(hours=72)))
    store.put(record("slow-bucket", observed=T0 + timedelta(hours=6)))  # still public
    owner_fix = record(
        "slow-bucket",
        observed=T0 + timedelta(hours=7),
        detected=Status.PASSED,
        caused_at=T0 + timedelta(hours=7) - timedelta(seconds=30),
        cause_name="PutBucketPublicAccessBlock",
    )
    store.put(owner_fix)
    store.put(record("fast-bucket", account=B, observed=T0, fixed=True))
    store.put(record("fine-bucket", observed=T0, detected=Status.PASSED))

    slow, fast = find_episodes(store, window(), [RULE], now=T0 + timedelta(days=60))

    assert slow.resource_id == "slow-bucket"
    assert slow.opened_at == T0 - timedelta(hours=72)
    assert slow.opened_by is not None
    assert slow.opened_by.source_ip == "203.0.113.24"
    assert slow.closure is not None
    assert owner_fix.cause is not None
    assert slow.closure.by == owner_fix.cause.principal_arn
    assert slow.closure.event_id == owner_fix.cause.event_id
    assert slow.closure.how == "changed"
    assert slow.open_for(T0) == timedelta(hours=79, seconds=-30)

    assert fast.resource_id == "fast-bucket"
    assert fast.closure is not None
    assert fast.closure.how == "remediated"
    assert fast.closure.by == f"arn:aws:iam::{B}:role/OrgwardenRemediation"
    assert fast.open_for(T0) == timedelta(seconds=2)


def test_episodes_that_straddle_the_range_are_found(store: EvidenceStore) -> None:
    # Opened long before the range and still open; opened before and closed after it.
    store.put(record("old-open", observed=T0 - timedelta(days=400)))
    store.put(record("spanning", observed=T0 - timedelta(days=100)))
    store.put(record("spanning", observed=T0 + timedelta(days=100), detected=Status.PASSED))
    # Entirely before the range: not an answer.
    store.put(record("before", observed=T0 - timedelta(days=90)))
    store.put(record("before", observed=T0 - timedelta(days=80), detected=Status.PASSED))

    found = find_episodes(store, window(), [RULE], now=T0 + timedelta(days=200))

    assert {e.resource_id: e.closure is None for e in found} == {
        "old-open": True,
        "spanning": False,
    }


@pytest.mark.parametrize("path", ["by account", "by rule"])
def test_filters_by_account_region_status_and_time(store: EvidenceStore, path: str) -> None:
    store.put(record("a-open", account=A, observed=T0))
    store.put(record("a-fixed", account=A, observed=T0, fixed=True))
    store.put(record("a-west", account=A, observed=T0, region="eu-west-1"))
    store.put(record("b-open", account=B, observed=T0))
    store.put(record("a-last-year", account=A, observed=T0 - timedelta(days=300), fixed=True))
    # The account path reads one account's partitions; the rule path filters a rule's.
    accounts = (
        frozenset({A})
        if path == "by account"
        else frozenset({A, *map(str, range(10**11, 10**11 + 10))})
    )

    def names(**kwargs: Any) -> set[str]:
        found = find_episodes(store, window(accounts=accounts, **kwargs), [RULE], now=T0)
        return {e.resource_id for e in found}

    assert names() == {"a-open", "a-fixed", "a-west"}
    assert names(regions=frozenset({"eu-west-1"})) == {"a-west"}
    assert names(statuses=frozenset({Status.FAILED})) == {"a-open", "a-west"}
    assert names(statuses=frozenset({Status.PASSED})) == {"a-fixed"}
    assert names(controls=("S3.2",)) == {"a-open", "a-fixed", "a-west"}
    assert names(controls=("aws-fsbp S3.8",)) == set()


def test_the_plan_reads_a_year_of_one_rule_in_month_and_shard_partitions() -> None:
    wanted = EpisodeFilter(start=T0 - timedelta(days=365), end=T0)
    plan = query_plan(wanted, [RULE], T0)
    months = {p.pk.split("#")[2] for p in plan if p.pk.startswith("RULE#")}
    assert len(months) == 13  # March to March
    assert len(plan) == items.RULE_SHARDS * (13 + 1)  # + the open-state partition per shard
    assert {p.index for p in plan} == {items.BY_RULE_INDEX}
    few = EpisodeFilter(start=T0 - timedelta(days=365), end=T0, accounts=frozenset({A}))
    assert {p.index for p in query_plan(few, [RULE], T0)} == {items.BY_ACCOUNT_INDEX}


def test_per_account_evaluations_and_current_state(store: EvidenceStore) -> None:
    store.put(record("a-1", observed=T0))
    store.put(record("a-1", observed=T0 + timedelta(days=35), detected=Status.PASSED))
    store.put(record("a-2", observed=T0 + timedelta(days=1)))
    store.put(record("b-1", account=B, observed=T0))
    evaluations = store.by_account(A, T0 - timedelta(days=1), T0 + timedelta(days=40))
    assert [(r.resource.resource_id, r.observed_at) for r in evaluations] == [
        ("a-1", T0),
        ("a-2", T0 + timedelta(days=1)),
        ("a-1", T0 + timedelta(days=35)),
    ]
    current = {r.resource.resource_id: r.status for r in store.current_by_account(A)}
    assert current == {"a-1": Status.PASSED, "a-2": Status.FAILED}


def test_items_are_stored_with_the_keys_the_layout_gives(
    store: EvidenceStore, evidence_table: tuple[Any, str, str]
) -> None:
    dynamodb, name, _ = evidence_table
    r = record("data-bucket", observed=T0)
    store.put(r)
    stored = [deserialize(i) for i in dynamodb.scan(TableName=name)["Items"]]
    history = next(i for i in stored if i["kind"] == "evaluation")
    change, episode = items.transition(r, None, late=False)
    assert history == items.history_item(r, change, episode)
