from hypothesis import given
from hypothesis import strategies as st

from orgwarden.decision import Act, decide
from orgwarden.model.spec import Mode, Status, Verdict
from policies.s3_bucket_public_access import SPEC

OWN = ("OrgwardenRead", "OrgwardenRemediation", "OrgwardenFindingWriter")
DEVELOPER = "arn:aws:sts::111122223333:assumed-role/DeveloperAccess/jane"
FAILED = Verdict(status=Status.FAILED, reason="public")


def test_enforce_remediates_a_failed_verdict_made_by_someone_else() -> None:
    decision = decide(SPEC, FAILED, mode=Mode.ENFORCE, principal_arn=DEVELOPER, own_role_names=OWN)
    assert decision.act is Act.REMEDIATE


def test_dry_run_plans_and_detect_reports() -> None:
    assert (
        decide(SPEC, FAILED, mode=Mode.DRY_RUN, principal_arn=DEVELOPER, own_role_names=OWN).act
        is Act.PLAN
    )
    assert (
        decide(SPEC, FAILED, mode=Mode.DETECT, principal_arn=DEVELOPER, own_role_names=OWN).act
        is Act.REPORT
    )


def test_scenario_19_a_change_made_by_our_own_role_is_never_answered_with_a_change() -> None:
    ours = "arn:aws:sts::111122223333:assumed-role/OrgwardenRemediation/orgwarden"
    decision = decide(SPEC, FAILED, mode=Mode.ENFORCE, principal_arn=ours, own_role_names=OWN)
    assert decision.act is Act.REPORT
    assert "made by orgwarden" in decision.reason


def test_a_rule_without_a_remediation_only_reports() -> None:
    spec = SPEC.model_copy(update={"remediation": None})
    assert (
        decide(spec, FAILED, mode=Mode.ENFORCE, principal_arn=DEVELOPER, own_role_names=OWN).act
        is Act.REPORT
    )


principals = st.one_of(
    st.none(),
    st.sampled_from([DEVELOPER, "arn:aws:iam::111122223333:root"]),
    st.sampled_from(OWN).map(
        lambda role: f"arn:aws:sts::222233334444:assumed-role/{role}/orgwarden"
    ),
    st.text(max_size=80),
)


@given(mode=st.sampled_from(Mode), status=st.sampled_from(Status), principal=principals)
def test_it_never_changes_anything_unless_every_guard_allows_it(
    mode: Mode, status: Status, principal: str | None
) -> None:
    decision = decide(
        SPEC,
        Verdict(status=status, reason="r"),
        mode=mode,
        principal_arn=principal,
        own_role_names=OWN,
    )
    own = principal is not None and any(
        f":assumed-role/{role}/" in principal or principal.endswith(f":role/{role}") for role in OWN
    )
    if decision.act is Act.REMEDIATE:
        assert mode is Mode.ENFORCE
        assert status is Status.FAILED
        assert not own
    if decision.act is Act.PLAN:
        assert mode is Mode.DRY_RUN
        assert status is Status.FAILED
        assert not own
    if status is not Status.FAILED:
        assert decision.act is Act.NOTHING
