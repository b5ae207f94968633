"""The decision function: every guard can stop a change, none can start one."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from orgwarden.engine.decision import Act, Guards, Waiver, decide, is_break_glass, is_own
from orgwarden.model.spec import Mode, Status, Verdict
from policies.s3_bucket_public_access import SPEC

OWN = ("OrgwardenRead", "OrgwardenRemediation", "OrgwardenFindingWriter")
BREAK_GLASS = ("arn:aws:sts::*:assumed-role/OrgwardenBreakGlass*/*",)
DEVELOPER = "arn:aws:sts::111122223333:assumed-role/DeveloperAccess/jane"
FAILED = Verdict(status=Status.FAILED, reason="public")
WAIVER = Waiver(source="allow-list", owner="marketing", reason="public site", expires=date.max)


def guards(mode: Mode = Mode.ENFORCE, **kw: object) -> Guards:
    kw.setdefault("principal_arn", DEVELOPER)
    return Guards(mode=mode, own_role_names=OWN, break_glass=BREAK_GLASS, **kw)  # type: ignore[arg-type]


def test_enforce_remediates_a_failed_verdict_made_by_someone_else() -> None:
    assert decide(SPEC, FAILED, guards()).act is Act.REMEDIATE


def test_dry_run_plans_and_detect_reports() -> None:
    assert decide(SPEC, FAILED, guards(Mode.DRY_RUN)).act is Act.PLAN
    assert decide(SPEC, FAILED, guards(Mode.DETECT)).act is Act.REPORT


def test_scenario_19_a_change_made_by_our_own_role_is_never_answered_with_a_change() -> None:
    ours = "arn:aws:sts::111122223333:assumed-role/OrgwardenRemediation/orgwarden"
    decision = decide(SPEC, FAILED, guards(principal_arn=ours))
    assert decision.act is Act.REPORT
    assert "made by orgwarden" in decision.reason


def test_a_break_glass_change_is_reported_not_reverted() -> None:
    responder = "arn:aws:sts::111122223333:assumed-role/OrgwardenBreakGlassAdmin/oncall"
    decision = decide(SPEC, FAILED, guards(principal_arn=responder))
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
    st.sampled_from([DEVELOPER, "arn:aws:iam::111122223333:root"]),
    st.sampled_from(OWN).map(
        lambda role: f"arn:aws:sts::222233334444:assumed-role/{role}/orgwarden"
    ),
    st.just("arn:aws:sts::222233334444:assumed-role/OrgwardenBreakGlassAdmin/oncall"),
    st.text(max_size=80),
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
    principal: str | None,
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
            principal_arn=principal,
            own_role_names=OWN,
            break_glass=BREAK_GLASS,
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
        assert not (principal and is_own(principal, OWN))
        assert not (principal and is_break_glass(principal, BREAK_GLASS))
        assert not waived
        assert not rate_limited
        assert not fix_in_progress
        assert not suppressed
        assert not unknown_exemption
    if status is not Status.FAILED:
        assert decision.act is Act.NOTHING
    if status is Status.FAILED and waived:
        assert decision.act is Act.EXEMPT
