"""Checking a resource's tags against the organization's tag policy.

Shared by the `<type>_required_tags` rules; not a rule itself (it is not in RULE_MODULES). Pure:
the policy that applies (per-OU and per-account overrides resolved) and the time come in the
state.

Controls: the AWS Resource Tagging Standard of Security Hub (framework key `aws-rts`) has one
control per resource type (EC2.38 instances, EC2.45 volumes, RDS.30 DB instances, Lambda.6,
DynamoDB.5; none for S3 buckets). Those controls check up to six required keys; these rules
also check values, so the mapping says "the same requirement, checked more strictly".
"""

import re
from collections.abc import Iterable, Mapping
from typing import Any

from orgwarden.model.policy_file import RequiredTag
from orgwarden.model.spec import CloudTrail, ConfigItem, RuleSpec, Severity, Status, Verdict, clip
from orgwarden.model.tags import CREATED_BY_TAG, TaggedResource

FRAMEWORK = "aws-rts"
# Lifecycle states in which a resource is on its way out: nothing left to tag.
GONE_STATES = frozenset({"terminated", "shutting-down", "deleting", "deleted", "DELETING"})


def check_tags(tags: Mapping[str, str], required: Iterable[RequiredTag]) -> list[dict[str, Any]]:
    """One entry per requirement not met: a missing key, or a value that is not allowed.

    Keys compare exactly (case included); a requirement's aliases are accepted in place of its
    key, in the order the policy lists them.
    """
    problems: list[dict[str, Any]] = []
    for requirement in required:
        found = next((k for k in (requirement.key, *requirement.aliases) if k in tags), None)
        if found is None:
            problems.append(
                {"key": requirement.key, "problem": "missing", "accepted_keys": _keys(requirement)}
            )
            continue
        expected = _value_problem(tags[found], requirement)
        if expected:
            problems.append(
                {
                    "key": requirement.key,
                    "problem": "invalid",
                    "tag": found,
                    "value": tags[found],
                    "expected": expected,
                }
            )
    return problems


def _keys(requirement: RequiredTag) -> list[str]:
    return [requirement.key, *requirement.aliases]


def _value_problem(value: str, requirement: RequiredTag) -> str | None:
    """What the value should be, or None when it is allowed."""
    if not value.strip():
        return "a non-empty value"
    if not requirement.allowed and requirement.pattern is None:
        return None
    if value in requirement.allowed:
        return None
    if requirement.pattern is not None and re.fullmatch(requirement.pattern, value):
        return None
    expected = []
    if requirement.allowed:
        expected.append("one of " + ", ".join(requirement.allowed))
    if requirement.pattern is not None:
        expected.append(f"a value matching {requirement.pattern}")
    return " or ".join(expected)


def required_tags_verdict(resource: TaggedResource) -> Verdict:
    """The verdict every required-tags rule gives, before any type-specific escalation."""
    if resource.state in GONE_STATES:
        return Verdict(
            status=Status.NOT_APPLICABLE, reason=f"The resource is {resource.state}: not judged."
        )
    if not resource.in_scope:
        return Verdict(
            status=Status.NOT_APPLICABLE,
            reason=f"The tag policy does not cover {resource.ref.resource_type}.",
        )
    problems = check_tags(resource.tags, resource.required)
    facts: dict[str, Any] = {
        "required_keys": [r.key for r in resource.required],
        "problems": problems,
        "owner": resource.owner,
        "creator": resource.creator,
    }
    if not problems:
        return Verdict(
            status=Status.PASSED,
            reason=f"All {len(resource.required)} required tags are present with allowed values.",
            facts=facts,
        )
    missing = [p["key"] for p in problems if p["problem"] == "missing"]
    invalid = [
        f"{p['tag']}={p['value']!r} (expected {p['expected']})"
        for p in problems
        if p["problem"] == "invalid"
    ]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if invalid:
        parts.append("invalid " + "; ".join(invalid))
    return Verdict(
        status=Status.FAILED,
        reason=clip(f"Required tags not met: {'; '.join(parts)}. {_owner_sentence(resource)}"),
        facts=facts,
    )


def _owner_sentence(resource: TaggedResource) -> str:
    if resource.owner:
        return f"Owner: {CREATED_BY_TAG}={resource.owner}."
    if resource.creator:
        return f"Created by {resource.creator} (to be recorded as {CREATED_BY_TAG})."
    return f"Owner unknown: no {CREATED_BY_TAG} tag, and this event does not name the creator."


def required_tags_spec(
    *,
    rule_id: str,
    title: str,
    resource_type: str,
    reads: str,
    triggers: Iterable[CloudTrail | ConfigItem],
    control: str | None,
    escalations: tuple[str, ...] = (),
    description: str = "",
) -> RuleSpec:
    """The parts every required-tags rule shares: severity, controls, fix and advice."""
    return RuleSpec(
        id=rule_id,
        title=title,
        description=(
            "The resource lacks a tag the organization's tag policy requires, or carries a "
            "value the policy does not allow." + (f" {description}" if description else "")
        ),
        resource_type=resource_type,
        reads=reads,
        # Security Hub rates its tagging controls Low; a missing owner is an inventory gap.
        severity=Severity.LOW,
        finding_types=("Software and Configuration Checks/Industry and Regulatory Standards",),
        triggers=tuple(triggers),
        controls={FRAMEWORK: (control,)} if control else {},
        remediation="tag_created_by",
        escalations=escalations,
        recommendation=(
            "Add the missing tags with values the tag policy allows "
            "(orgwarden/engine/policy.yaml). "
            f"The {CREATED_BY_TAG} tag names who created the resource."
        ),
        recommendation_url=(
            "https://docs.aws.amazon.com/securityhub/latest/userguide/standards-tagging.html"
        ),
    )
