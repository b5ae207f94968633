"""Scenario table for cloudtrail_logging_enabled (numbers cite the rule's docstring; S18 cites
../shared/reference/scenarios.md)."""

import pytest

from orgwarden.engine.decision import Act
from orgwarden.model.guards import Trail, TrailCoverage
from orgwarden.model.spec import Status
from policies import cloudtrail_logging_enabled
from tests.policies.guard_cases import MEMBER, REF, enforced

MANAGEMENT = "999988887777"


def trail(
    name: str,
    *,
    logging: bool,
    multi: bool = True,
    owner: str = MEMBER,
    events: frozenset[str] | None = frozenset({"read", "write"}),
) -> Trail:
    return Trail(
        name=name,
        arn=f"arn:aws:cloudtrail:us-east-1:{owner}:trail/{name}",
        home_region="us-east-1",
        multi_region=multi,
        organization_trail=owner != MEMBER,
        logging=logging,
        management_events=events,
    )


def coverage(*trails: Trail, event: str | None = None, named: str | None = None) -> TrailCoverage:
    return TrailCoverage(ref=REF, trails=trails, event_name=event, event_trail=named)


@pytest.mark.parametrize(
    ("scenario", "state", "status", "act"),
    [
        (1, coverage(trail("main", logging=True)), Status.PASSED, Act.NOTHING),
        (
            2,
            coverage(trail("main", logging=False), event="StopLogging", named="main"),
            Status.FAILED,
            Act.REMEDIATE,
        ),
        (3, coverage(event="DeleteTrail", named="main"), Status.FAILED, Act.REPORT),
        (3, coverage(), Status.FAILED, Act.REPORT),
        (4, coverage(trail("org", logging=False, owner=MANAGEMENT)), Status.FAILED, Act.REPORT),
        (5, coverage(trail("local", logging=True, multi=False)), Status.FAILED, Act.REPORT),
        (
            6,
            coverage(trail("main", logging=True), trail("local", logging=False, multi=False)),
            Status.PASSED,
            Act.NOTHING,
        ),
        (
            7,
            coverage(trail("main", logging=True, events=frozenset({"write"}))),
            Status.FAILED,
            Act.REPORT,
        ),
        (7, coverage(trail("main", logging=True, events=frozenset())), Status.FAILED, Act.REPORT),
        (
            7,
            coverage(
                trail("main", logging=True, events=frozenset({"read"})),
                trail("org", logging=True, owner=MANAGEMENT),
            ),
            Status.PASSED,
            Act.NOTHING,
        ),
        (
            8,
            coverage(trail("org", logging=True, owner=MANAGEMENT, events=None)),
            Status.NOT_AVAILABLE,
            Act.NOTHING,
        ),
    ],
)
def test_cloudtrail_logging_enabled_scenarios(
    scenario: int, state: TrailCoverage, status: Status, act: Act
) -> None:
    verdict = cloudtrail_logging_enabled.evaluate(state)
    assert verdict.status is status, (scenario, verdict.reason)
    assert enforced(cloudtrail_logging_enabled, verdict) is act, scenario


def test_cloudtrail_facts_list_stopped_and_deleted_trails() -> None:
    stopped = cloudtrail_logging_enabled.evaluate(
        coverage(trail("main", logging=False), event="StopLogging", named="main")
    )
    assert [t["name"] for t in stopped.facts["stopped_trails"]] == ["main"]
    assert stopped.facts["trails_to_start"] == [f"arn:aws:cloudtrail:us-east-1:{MEMBER}:trail/main"]
    deleted = cloudtrail_logging_enabled.evaluate(coverage(event="DeleteTrail", named="main"))
    assert deleted.facts["deleted_trail"] == "main"
    assert "main was deleted" in deleted.reason
    assert deleted.remediable is False
    # Scenario 6 still lists the stopped single-region trail.
    passed = cloudtrail_logging_enabled.evaluate(
        coverage(trail("main", logging=True), trail("local", logging=False, multi=False))
    )
    assert [t["name"] for t in passed.facts["stopped_trails"]] == ["local"]
