"""Deciding what to do about a verdict. Pure: every input is passed in.

The guards here are the ones that must hold for every rule: a rule's mode caps what may happen,
and a change made by orgwarden's own roles is never answered with another change.
"""

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from orgwarden.model.spec import Mode, RuleSpec, Status, Verdict


class Act(StrEnum):
    NOTHING = "nothing"  # compliant, not applicable or not available: report only
    REPORT = "report"  # FAILED, and the guards say: do not change anything
    PLAN = "plan"  # FAILED, dry-run: record the exact change
    REMEDIATE = "remediate"  # FAILED, enforce: change, then verify


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    act: Act
    mode: Mode
    reason: str


def decide(
    spec: RuleSpec,
    verdict: Verdict,
    *,
    mode: Mode,
    principal_arn: str | None,
    own_role_names: Iterable[str],
) -> Decision:
    if verdict.status is not Status.FAILED:
        return Decision(act=Act.NOTHING, mode=mode, reason=f"verdict is {verdict.status.value}")
    if spec.remediation is None or not verdict.remediable:
        reason = (
            "no safe automatic fix exists for this rule"
            if spec.remediation is None
            else "the rule's fix does not apply to this state (see the verdict)"
        )
        return Decision(act=Act.REPORT, mode=mode, reason=reason)
    if mode in (Mode.OFF, Mode.DETECT):
        return Decision(act=Act.REPORT, mode=mode, reason=f"rule is in {mode.value} mode")
    if principal_arn and _is_own(principal_arn, own_role_names):
        # Loop guard: the drift was made by orgwarden itself; never answer it with a change.
        return Decision(
            act=Act.REPORT, mode=mode, reason=f"change was made by orgwarden ({principal_arn})"
        )
    if mode is Mode.DRY_RUN:
        return Decision(act=Act.PLAN, mode=mode, reason="rule is in dry-run mode")
    return Decision(act=Act.REMEDIATE, mode=mode, reason="rule is in enforce mode")


def _is_own(principal_arn: str, own_role_names: Iterable[str]) -> bool:
    """True when `principal_arn` is one of orgwarden's roles (or its session), in any account."""
    return any(
        principal_arn.endswith(f":role/{name}") or f":assumed-role/{name}/" in principal_arn
        for name in own_role_names
    )
