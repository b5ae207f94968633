"""Deciding what to do about a verdict. Pure: every input is passed in.

The guards here hold for every rule. Any one of them can stop a change; none can start one:
the mode caps what may happen, an exemption turns a violation into a recorded waiver, and a
change made by orgwarden itself or by a break-glass principal is never answered with a change.
A tripped rate limit or a fix already under way elsewhere falls back to reporting.
"""

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from orgwarden.model.evidence import Waiver
from orgwarden.model.principals import ArnPattern, Identity
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
    principal_arn: str | None = None  # who made the change that triggered this evaluation, as
    # CloudTrail names it (for the record), and the IAM identity behind it (for the guards)
    identity: Identity | None = None
    # orgwarden's own roles in the resource's account, as IAM role ARNs (`own_roles`)
    own_roles: tuple[str, ...] = ()
    break_glass: tuple[ArnPattern, ...] = ()
    resource_account: str = ""  # the account of the resource judged
    waiver: Waiver | None = None
    exemption_unknown: bool = False  # the resource's exemption tags could not be read
    rate_limited: bool = False
    fix_in_progress: bool = False  # another worker holds this resource's fix lease
    suppressed_by_human: bool = False  # the Security Hub finding's workflow is SUPPRESSED
    # The principal the fix would change (`Verdict.acts_on`), and whether it was named but could
    # not be established as an IAM identity.
    target: Identity | None = None
    target_unknown: bool = False


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
        (is_own(guards.identity, guards.own_roles), f"change was made by orgwarden ({principal})"),
        (
            is_break_glass(guards.identity, guards.break_glass, guards.resource_account),
            f"change was made by a break-glass principal ({principal}): reported only",
        ),
        (
            guards.target_unknown,
            "the principal the fix would change could not be established: not changing it",
        ),
        (
            is_own(guards.target, guards.own_roles),
            f"the fix would change orgwarden's own role ({guards.target and guards.target.arn})",
        ),
        (
            is_break_glass(guards.target, guards.break_glass, guards.resource_account),
            "the fix would change a break-glass principal "
            f"({guards.target and guards.target.arn}): reported only",
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


def own_roles(partition: str, account: str, names: Iterable[str]) -> tuple[str, ...]:
    """orgwarden's roles in `account`, as the member stack creates them (at the root path)."""
    return tuple(f"arn:{partition}:iam::{account}:role/{name}" for name in names)


def is_own(identity: Identity | None, roles: tuple[str, ...]) -> bool:
    """True when the identity is one of orgwarden's roles: by its whole IAM ARN (account, path
    and name), never by a part of the principal's ARN."""
    return identity is not None and identity.kind == "role" and identity.arn in roles


def is_break_glass(
    identity: Identity | None, patterns: tuple[ArnPattern, ...], resource_account: str
) -> bool:
    """True when the identity (a role with its path, or a user) matches a break-glass pattern."""
    return identity is not None and any(p.matches(identity, resource_account) for p in patterns)
