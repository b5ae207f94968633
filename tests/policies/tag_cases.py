"""The required-tags family's shared cases, run by each `<type>_required_tags` rule's test file
for its own type (numbers cite policies/required_tags.py's docstring; S-numbers cite
../shared/reference/scenarios.md). Scenarios 1-10 hold for every type; 11-13, the grace
period, are the instance rule's own (test_ec2_instance_required_tags.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orgwarden.engine.policy import default_policy
from orgwarden.model.policy_file import RequiredTag, TagPolicy
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import RuleSpec, Status, Verdict
from orgwarden.model.tags import TaggedResource
from policies import load_catalogue
from policies.required_tags import check_tags

ACCOUNT, REGION = "111122223333", "eu-west-1"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CREATOR = f"arn:aws:sts::{ACCOUNT}:assumed-role/DeveloperAccess/jane.doe@example.com"
COMPLETE = {"app": "checkout", "env": "prod", "team": "payments", "cost-center": "cc-1042"}
DEFAULT = default_policy().tag_policy.required


@dataclass(frozen=True)
class TaggedType:
    """One rule of the family: its id, the resource type it judges and an id of that type."""

    rule_id: str
    resource_type: str
    resource_id: str

    @property
    def spec(self) -> RuleSpec:
        return load_catalogue().rules[self.rule_id].spec

    def resource(self, tags: dict[str, str], **extra: Any) -> TaggedResource:
        ref = ResourceRef(
            resource_type=self.resource_type,
            resource_id=self.resource_id,
            account_id=ACCOUNT,
            region=REGION,
        )
        return TaggedResource(
            **{"ref": ref, "tags": tags, "required": DEFAULT, "now": NOW, **extra}
        )

    def judge(self, resource: TaggedResource) -> Verdict:
        """The verdict of this type's rule, as the catalogue holds it."""
        return load_catalogue().rules[self.rule_id].evaluate(resource)

    def evaluate(self, tags: dict[str, str], **extra: Any) -> Verdict:
        return self.judge(self.resource(tags, **extra))


def without(*keys: str) -> dict[str, str]:
    return {k: v for k, v in COMPLETE.items() if k not in keys}


WITH_ALIAS = (
    RequiredTag(key="app"),
    RequiredTag(key="env", allowed=("prod", "staging", "dev"), aliases=("Env", "environment")),
)
WITH_PATTERN = (RequiredTag(key="cost-center", pattern=r"cc-\d{4}"),)

CASES = [
    # id, tags, extra state, expected, words in the reason
    ("1: all required tags, allowed values", COMPLETE, {}, Status.PASSED, ["All 4"]),
    (
        "2: keys missing (S12)",
        without("team", "cost-center"),
        {},
        Status.FAILED,
        ["missing team, cost-center"],
    ),
    ("2: no tags at all (S12)", {}, {}, Status.FAILED, ["missing app, env, team, cost-center"]),
    (
        "3: env=production is not allowed (S13)",
        {**COMPLETE, "env": "production"},
        {},
        Status.FAILED,
        ["env='production'", "one of prod, staging, dev"],
    ),
    (
        "3: values compare exactly: Prod is not prod (S13)",
        {**COMPLETE, "env": "Prod"},
        {},
        Status.FAILED,
        ["env='Prod'"],
    ),
    (
        "4: a value not matching the pattern",
        {"cost-center": "1042"},
        {"required": WITH_PATTERN},
        Status.FAILED,
        ["matching cc-\\d{4}"],
    ),
    (
        "4: a value matching the pattern",
        {"cost-center": "cc-1042"},
        {"required": WITH_PATTERN},
        Status.PASSED,
        [],
    ),
    (
        "5: Env is not env without an alias (S13)",
        {**without("env"), "Env": "prod"},
        {},
        Status.FAILED,
        ["missing env"],
    ),
    (
        "5: an alias stands in for the key (S13)",
        {"app": "x", "environment": "dev"},
        {"required": WITH_ALIAS},
        Status.PASSED,
        [],
    ),
    (
        "5: an alias's value is checked too (S13)",
        {"app": "x", "Env": "production"},
        {"required": WITH_ALIAS},
        Status.FAILED,
        ["Env='production'"],
    ),
    ("6: an empty value", {**COMPLETE, "team": " "}, {}, Status.FAILED, ["non-empty"]),
    (
        "7: an override that requires only app",
        {"app": "x"},
        {"required": (RequiredTag(key="app"),)},
        Status.PASSED,
        ["All 1"],
    ),
    (
        "8: the creator is named for tagging (S12)",
        without("app"),
        {"creator": CREATOR},
        Status.FAILED,
        [f"Created by {CREATOR}"],
    ),
    (
        "8: an owner already tagged",
        {**without("app"), "created-by": CREATOR},
        {},
        Status.FAILED,
        [f"created-by={CREATOR}"],
    ),
    ("8: owner unknown", without("app"), {}, Status.FAILED, ["Owner unknown"]),
    ("9: being deleted", {}, {"state": "deleting"}, Status.NOT_APPLICABLE, ["deleting"]),
    (
        "10: type outside the policy",
        {},
        {"in_scope": False},
        Status.NOT_APPLICABLE,
        ["does not cover"],
    ),
]
# Decorates each rule file's `test_shared_scenarios`, so every type runs every case.
SHARED = pytest.mark.parametrize(
    ("tags", "extra", "expected", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)


def check_shared_scenario(
    kind: TaggedType,
    tags: dict[str, str],
    extra: dict[str, Any],
    expected: Status,
    words: list[str],
) -> None:
    verdict = kind.evaluate(tags, **extra)
    assert verdict.status is expected, verdict.reason
    for word in words:
        assert word in verdict.reason
    assert verdict.remediation is None


def check_the_resource_type(kind: TaggedType) -> None:
    assert kind.spec.resource_type == kind.resource_type
    assert kind.spec.remediation == "tag_created_by"


def check_the_key_wins_over_its_aliases(kind: TaggedType) -> None:
    """Scenario 5: with both the key and an alias present, the key's value is judged."""
    problems = check_tags({"env": "prod", "Env": "production"}, WITH_ALIAS[1:])
    assert problems == []
    verdict = kind.evaluate({"env": "prod", "Env": "production"}, required=WITH_ALIAS[1:])
    assert verdict.status is Status.PASSED, verdict.reason


def check_allowed_values_or_a_pattern_either_admits_a_value(kind: TaggedType) -> None:
    """Scenarios 3 and 4 together: a value in the allowed set or matching the pattern passes."""
    both = (RequiredTag(key="env", allowed=("prod",), pattern=r"dev-\w+"),)
    assert check_tags({"env": "prod"}, both) == []
    assert check_tags({"env": "dev-jane"}, both) == []
    (problem,) = check_tags({"env": "qa"}, both)
    assert problem["expected"] == r"one of prod or a value matching dev-\w+"
    assert kind.evaluate({"env": "dev-jane"}, required=both).status is Status.PASSED
    refused = kind.evaluate({"env": "qa"}, required=both)
    assert refused.status is Status.FAILED
    assert r"one of prod or a value matching dev-\w+" in refused.reason


def check_overrides_resolve_most_specific_first(kind: TaggedType) -> None:
    """Scenario 7: per-OU and per-account overrides, the most specific first, judge the type."""
    policy = TagPolicy.model_validate(
        {
            "required": [{"key": "app"}, {"key": "team"}],
            "overrides": [
                {"scope": {"ou": "Sandbox"}, "required": [{"key": "owner"}]},
                {"scope": {"account": ACCOUNT}, "required": [{"key": "app"}]},
            ],
        }
    )
    assert [r.key for r in policy.required_for("999988887777", ())] == ["app", "team"]
    assert [r.key for r in policy.required_for("999988887777", ("Sandbox",))] == ["owner"]
    assert [r.key for r in policy.required_for(ACCOUNT, ("Sandbox",))] == ["app"]
    tags = {"owner": "jane"}
    in_sandbox = kind.evaluate(tags, required=policy.required_for("999988887777", ("Sandbox",)))
    assert in_sandbox.status is Status.PASSED, in_sandbox.reason
    elsewhere = kind.evaluate(tags, required=policy.required_for("999988887777", ()))
    assert elsewhere.status is Status.FAILED
    assert "missing app, team" in elsewhere.reason


def check_no_grace_period_escalation(kind: TaggedType) -> None:
    """Scenarios 11-13 are the instances': another type past a grace period is only tagged."""
    verdict = kind.evaluate(
        without("team"),
        state="available",
        created_at=NOW - timedelta(days=9),
        grace_period_hours=24,
    )
    assert verdict.status is Status.FAILED
    assert verdict.remediation is None
    assert "grace_period_ends" not in verdict.facts
    assert "Grace period" not in verdict.reason
    assert kind.spec.escalations == ()
