"""Deciding what to do about a verdict. Pure: every input is passed in.

The guards here hold for every rule. Any one of them can stop a change; none can start one:
the mode caps what may happen, an exemption turns a violation into a recorded waiver, and a
change made by orgwarden itself or by a break-glass principal is never answered with a change.
A tripped rate limit or a fix already under way elsewhere falls back to reporting.
"""

from enum import StrEnum
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict

from orgwarden.model.evidence import Waiver
from orgwarden.model.spec import Mode, RuleSpec, Status, Verdict

__all__ = ["Act", "Decision", "Guards", "Waiver", "decide"]


class Act(StrEnum):
    NOTHING = "nothing"  # compliant, not applicable or not available: report only
    EXEMPT = "exempt"  # FAILED, but waived: recorded as suppressed with the waiver's reason
    REPORT = "report"  # FAILED, and the guards say: do not change anything
    PLAN = "plan"  # FAILED, dry-run: record the exact change
    REMEDIATE = "remediate"  # FAILED, enforce: change, then verify


class Guards(BaseModel):
    """Everything besides the verdict that decides whether orgwarden may act."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Mode
    principal_arn: str | None = None  # who made the change that triggered this evaluation
    own_role_names: tuple[str, ...] = ()
    break_glass: tuple[str, ...] = ()  # ARN patterns with * and ? wildcards
    waiver: Waiver | None = None
    exemption_unknown: bool = False  # the resource's exemption tags could not be read
    rate_limited: bool = False
    fix_in_progress: bool = False  # another worker holds this resource's fix lease
    suppressed_by_human: bool = False  # the Security Hub finding's workflow is SUPPRESSED


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    act: Act
    mode: Mode
    reason: str


def decide(spec: RuleSpec, verdict: Verdict, guards: Guards) -> Decision:
    mode = guards.mode
    if verdict.status is not Status.FAILED:
        return Decision(act=Act.NOTHING, mode=mode, reason=f"verdict is {verdict.status.value}")
    if guards.waiver:
        waiver = guards.waiver
        return Decision(
            act=Act.EXEMPT,
            mode=mode,
            reason=(
                f"exempt until {waiver.expires.isoformat()} ({waiver.source}, owner "
                f"{waiver.owner}): {waiver.reason}"
            ),
        )
    principal = guards.principal_arn or ""
    # In order: the first guard that says no decides the reason on record.
    refusals = (
        (spec.remediation is None, "no safe automatic fix exists for this rule"),
        (
            not verdict.remediable,
            "the rule's fix does not apply to this state (see the verdict)",
        ),
        (
            guards.exemption_unknown,
            "the resource's exemption tags could not be read: not changing it",
        ),
        (mode in (Mode.OFF, Mode.DETECT), f"rule is in {mode.value} mode"),
        # Loop guard: the drift was made by orgwarden itself; never answer it with a change.
        (is_own(principal, guards.own_role_names), f"change was made by orgwarden ({principal})"),
        (
            is_break_glass(principal, guards.break_glass),
            f"change was made by a break-glass principal ({principal}): reported only",
        ),
        (guards.suppressed_by_human, "the finding was suppressed by a person in Security Hub"),
        (guards.fix_in_progress, "a fix for this resource is already under way"),
        (
            guards.rate_limited,
            "remediation rate limit reached for this account and rule: detect only",
        ),
    )
    for refused, reason in refusals:
        if refused:
            return Decision(act=Act.REPORT, mode=mode, reason=reason)
    if mode is Mode.DRY_RUN:
        return Decision(act=Act.PLAN, mode=mode, reason="rule is in dry-run mode")
    return Decision(act=Act.REMEDIATE, mode=mode, reason="rule is in enforce mode")


def is_own(principal_arn: str, own_role_names: tuple[str, ...]) -> bool:
    """True when `principal_arn` is one of orgwarden's roles (or its session), in any account."""
    return bool(principal_arn) and any(
        principal_arn.endswith(f":role/{name}") or f":assumed-role/{name}/" in principal_arn
        for name in own_role_names
    )


def is_break_glass(principal_arn: str, patterns: tuple[str, ...]) -> bool:
    return bool(principal_arn) and any(fnmatchcase(principal_arn, pattern) for pattern in patterns)
