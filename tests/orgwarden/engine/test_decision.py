"""The decision function: every guard can stop a change, none can start one."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from orgwarden.engine.decision import (
    Act,
    Guards,
    Waiver,
    decide,
    is_break_glass,
    is_own,
    own_roles,
)
from orgwarden.model.principals import ArnPattern, Identity, identity_of
from orgwarden.model.spec import Mode, Status, Verdict
from policies.s3_bucket_public_access import SPEC

ACCOUNT = "111122223333"
OWN = own_roles("aws", ACCOUNT, ("OrgwardenRead", "OrgwardenRemediation", "OrgwardenFindingWriter"))
BREAK_GLASS = (ArnPattern("arn:aws:iam::*:role/OrgwardenBreakGlass*"),)
DEVELOPER = "arn:aws:sts::111122223333:assumed-role/DeveloperAccess/jane"
FAILED = Verdict(status=Status.FAILED, reason="public")
WAIVER = Waiver(source="allow-list", owner="marketing", reason="public site", expires=date.max)


def session(account: str, role: str, session_name: str, path: str = "/") -> Identity | None:
    """The identity CloudTrail gives an assumed-role session (its ARN and session issuer)."""
    return identity_of(
        f"arn:aws:sts::{account}:assumed-role/{role}/{session_name}",
        f"arn:aws:iam::{account}:role{path}{role}",
    )


def guards(mode: Mode = Mode.ENFORCE, **kw: object) -> Guards:
    kw.setdefault("principal_arn", DEVELOPER)
    kw.setdefault("identity", session(ACCOUNT, "DeveloperAccess", "jane"))
    return Guards(  # type: ignore[arg-type]
        mode=mode, own_roles=OWN, break_glass=BREAK_GLASS, resource_account=ACCOUNT, **kw
    )


def test_enforce_remediates_a_failed_verdict_made_by_someone_else() -> None:
    assert decide(SPEC, FAILED, guards()).act is Act.REMEDIATE


def test_dry_run_plans_and_detect_reports() -> None:
    assert decide(SPEC, FAILED, guards(Mode.DRY_RUN)).act is Act.PLAN
    assert decide(SPEC, FAILED, guards(Mode.DETECT)).act is Act.REPORT


def test_scenario_19_a_change_made_by_our_own_role_is_never_answered_with_a_change() -> None:
    ours = "arn:aws:sts::111122223333:assumed-role/OrgwardenRemediation/orgwarden"
    identity = session(ACCOUNT, "OrgwardenRemediation", "orgwarden")
    decision = decide(SPEC, FAILED, guards(principal_arn=ours, identity=identity))
    assert decision.act is Act.REPORT
    assert "made by orgwarden" in decision.reason


def test_a_break_glass_change_is_reported_not_reverted() -> None:
    responder = "arn:aws:sts::111122223333:assumed-role/OrgwardenBreakGlassAdmin/oncall"
    identity = session(ACCOUNT, "OrgwardenBreakGlassAdmin", "oncall")
    decision = decide(SPEC, FAILED, guards(principal_arn=responder, identity=identity))
    assert decision.act is Act.REPORT
    assert "break-glass" in decision.reason


def test_scenario_5_an_exempt_resource_is_recorded_as_a_waiver_in_every_mode() -> None:
    for mode in (Mode.DETECT, Mode.DRY_RUN, Mode.ENFORCE):
        decision = decide(SPEC, FAILED, guards(mode, waiver=WAIVER))
        assert decision.act is Act.EXEMPT
        assert "owner marketing" in decision.reason
        assert "public site" in decision.reason


def test_a_tripped_rate_limit_falls_back_to_detect() -> None:
    decision = decide(SPEC, FAILED, guards(rate_limited=True))
    assert decision.act is Act.REPORT
    assert "rate limit" in decision.reason


def test_a_rule_without_a_remediation_only_reports() -> None:
    spec = SPEC.model_copy(update={"remediation": None})
    assert decide(spec, FAILED, guards()).act is Act.REPORT


principals = st.one_of(
    st.none(),
    st.sampled_from(
        [
            session(ACCOUNT, "DeveloperAccess", "jane"),
            identity_of("arn:aws:iam::111122223333:root"),
            session("222233334444", "OrgwardenRemediation", "orgwarden"),
            session("222233334444", "OrgwardenBreakGlassAdmin", "oncall"),
        ]
    ),
    st.sampled_from(("OrgwardenRead", "OrgwardenRemediation", "OrgwardenFindingWriter")).map(
        lambda role: session(ACCOUNT, role, "orgwarden")
    ),
    st.just(session(ACCOUNT, "OrgwardenBreakGlassAdmin", "oncall")),
    st.builds(identity_of, st.text(max_size=80), st.text(max_size=80)),
)


@given(
    mode=st.sampled_from(Mode),
    status=st.sampled_from(Status),
    principal=principals,
    waived=st.booleans(),
    rate_limited=st.booleans(),
    fix_in_progress=st.booleans(),
    suppressed=st.booleans(),
    unknown_exemption=st.booleans(),
    has_fix=st.booleans(),
)
def test_it_never_changes_anything_unless_every_guard_allows_it(
    mode: Mode,
    status: Status,
    principal: Identity | None,
    waived: bool,
    rate_limited: bool,
    fix_in_progress: bool,
    suppressed: bool,
    unknown_exemption: bool,
    has_fix: bool,
) -> None:
    spec = SPEC if has_fix else SPEC.model_copy(update={"remediation": None})
    decision = decide(
        spec,
        Verdict(status=status, reason="r"),
        Guards(
            mode=mode,
            identity=principal,
            own_roles=OWN,
            break_glass=BREAK_GLASS,
            resource_account=ACCOUNT,
            waiver=WAIVER if waived else None,
            rate_limited=rate_limited,
            fix_in_progress=fix_in_progress,
            suppressed_by_human=suppressed,
            exemption_unknown=unknown_exemption,
        ),
    )
    if decision.act in (Act.REMEDIATE, Act.PLAN):
        assert status is Status.FAILED
        assert has_fix
        assert mode is (Mode.ENFORCE if decision.act is Act.REMEDIATE else Mode.DRY_RUN)
        assert not is_own(principal, OWN)
        assert not is_break_glass(principal, BREAK_GLASS, ACCOUNT)
        assert not waived
        assert not rate_limited
        assert not fix_in_progress
        assert not suppressed
        assert not unknown_exemption
    if status is not Status.FAILED:
        assert decision.act is Act.NOTHING
    if status is Status.FAILED and waived:
        assert decision.act is Act.EXEMPT
