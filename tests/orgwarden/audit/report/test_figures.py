"""The report's figures on hand-built histories whose answers are worked out in the tests: one
definition of an episode and of time to remediate, the same as `orgwarden findings`."""

from datetime import UTC, date, datetime, timedelta

from orgwarden.audit.frameworks import load_framework
from orgwarden.audit.report.figures import (
    ELSEWHERE,
    FAILING,
    MANUAL,
    NO_EVIDENCE,
    PASSING,
    age_bucket,
    duration_stats,
    natural_key,
)
from orgwarden.audit.rows import episode_row
from orgwarden.model.spec import Status

from .history import latest, record, report_of

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FAILED, PASSED, WARNING = Status.FAILED, Status.PASSED, Status.WARNING
NOT_AVAILABLE, NOT_APPLICABLE = Status.NOT_AVAILABLE, Status.NOT_APPLICABLE


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


def test_time_to_remediate_runs_from_the_causing_change_as_findings_counts_it() -> None:
    # The demo's sandbox bucket: made public 72 hours ago (CloudTrail's eventTime), evaluated
    # seconds before its owner's fix was; the evaluations are a fraction of a second apart.
    opened_at, fixed_at = ago(hours=72), ago(seconds=1)
    records = [
        record("build-artifacts", fixed_at - timedelta(seconds=0.2), FAILED, changed_at=opened_at),
        record("build-artifacts", fixed_at, PASSED, changed_at=fixed_at),
    ]
    report, episodes = report_of(records, "aws-fsbp", NOW)
    (found,) = episodes
    assert report.time_to_remediate.median == timedelta(hours=72) - timedelta(seconds=1)
    # `orgwarden findings` prints the same episode with the same duration.
    row = episode_row(found, NOW)
    assert row["open_for_seconds"] == int(report.time_to_remediate.median.total_seconds())
    assert report.remediated == (found,)


def test_a_verified_fix_closes_at_the_fix_and_counts_from_the_change() -> None:
    made, started = ago(minutes=10), ago(minutes=10) + timedelta(seconds=2)
    records = [
        record(
            "customer-data",
            started + timedelta(seconds=3),
            PASSED,
            detected=FAILED,
            changed_at=made,
            fix_started=started,
        )
    ]
    report, _ = report_of(records, "aws-fsbp", NOW)
    assert report.time_to_remediate.median == timedelta(seconds=5)
    assert report.open_findings == ()


def test_a_failed_finding_is_open_and_the_headline_says_so() -> None:
    records = [
        record(
            "orders-prod",
            ago(hours=3),
            FAILED,
            rule="rds_storage_encrypted",
            resource_type="AwsRdsDbInstance",
            changed_at=ago(hours=3),
        ),
        record("bucket-ok", ago(days=2), PASSED),
    ]
    report, _ = report_of(records, "aws-fsbp", NOW)
    assert (report.overall.passed, report.overall.failed) == (1, 1)
    assert report.overall.percent_compliant == 50.0
    (still_open,) = report.open_findings
    assert still_open.episode.resource_id == "orders-prod"
    assert still_open.age == timedelta(hours=3)
    assert still_open.bucket == "< 1 day"


def test_every_requirement_of_the_framework_is_listed_with_its_status() -> None:
    records = [
        record("public", ago(days=1), FAILED, changed_at=ago(days=1)),
        record(
            "unencrypted",
            ago(days=1),
            PASSED,
            rule="rds_storage_encrypted",
            resource_type="AwsRdsDbInstance",
        ),
    ]
    for framework_id in ("aws-fsbp", "cis-aws-3.0"):
        framework = load_framework(framework_id)
        report, _ = report_of(records, framework_id, NOW)
        assert [r.requirement.id for r in report.requirements] == [
            r.id for r in framework.requirements
        ]
        assert sum(n for _, n in report.requirement_counts) == len(framework.requirements)
    fsbp, _ = report_of(records, "aws-fsbp", NOW)
    status = {r.requirement.id: r.status for r in fsbp.requirements}
    assert status["S3.2"] == status["S3.3"] == FAILING
    assert status["RDS.3"] == PASSING
    assert status["EC2.8"] == NO_EVIDENCE  # judged by a rule that found nothing
    assert status["ACM.1"] == ELSEWHERE
    (acm,) = [r for r in fsbp.requirements if r.requirement.id == "ACM.1"]
    assert "Security Hub" in acm.where
    cis, _ = report_of(records, "cis-aws-3.0", NOW)
    cis_status = {r.requirement.id: r.status for r in cis.requirements}
    assert cis_status["1.1"] == MANUAL  # "Maintain current contact details"
    assert cis_status["2.3.1"] == PASSING
    # the public-bucket rule maps to no CIS v3.0.0 recommendation: its finding is not counted
    assert cis.overall.failed == 0


def test_posture_counts_the_latest_state_and_not_applicable_nowhere() -> None:
    records = [
        record("bucket-a", ago(days=5), FAILED, changed_at=ago(days=5)),
        record("bucket-a", ago(days=2), PASSED, changed_at=ago(days=2)),
        record("bucket-b", ago(days=1), FAILED, changed_at=ago(days=1)),
        record("bucket-b", ago(days=9), PASSED),
        record("bucket-c", ago(days=3), PASSED),
        record("bucket-c", ago(hours=2), NOT_AVAILABLE),
        record("bucket-d", ago(days=4), FAILED, changed_at=ago(days=4)),
        record("bucket-d", ago(days=1), NOT_APPLICABLE, changed_at=ago(days=1)),
        record("bucket-e", ago(days=1), WARNING, changed_at=ago(days=1)),
    ]
    report, _ = report_of(records, "aws-fsbp", NOW)
    (s3_2,) = [r for r in report.requirements if r.requirement.id == "S3.2"]
    counts = s3_2.posture
    assert (counts.passed, counts.failed, counts.warning, counts.not_available) == (1, 1, 1, 1)
    assert counts.percent_compliant == 50.0
    # open: bucket-b (FAILED) and bucket-e (WARNING: exempted, still exposed)
    assert sorted(f.episode.resource_id for f in report.open_findings) == ["bucket-b", "bucket-e"]
    # closed PASSED: bucket-a only; bucket-d's resource went away (not a remediation)
    assert [e.resource_id for e in report.remediated] == ["bucket-a"]
    assert report.time_to_remediate.median == timedelta(days=3)


def test_the_trend_counts_episodes_open_at_each_days_end() -> None:
    records = [
        record("bucket-a", ago(days=2), FAILED, changed_at=datetime(2026, 11, 20, 6, tzinfo=UTC)),
        record("bucket-a", ago(hours=1), PASSED, changed_at=datetime(2026, 11, 22, 9, tzinfo=UTC)),
        record("bucket-b", ago(days=1), FAILED, changed_at=datetime(2026, 11, 21, 6, tzinfo=UTC)),
    ]
    report, _ = report_of(records, "aws-fsbp", NOW)
    assert [(p.day, p.open_count) for p in report.trend] == [
        (date(2026, 11, 20), 1),
        (date(2026, 11, 21), 2),
        (date(2026, 11, 22), 1),
    ]


def test_an_empty_evidence_table_gives_an_empty_report_not_a_perfect_one() -> None:
    report, _ = report_of([], "aws-fsbp", NOW)
    assert report.overall.total == 0
    assert report.overall.percent_compliant is None
    assert report.trend == ()
    assert report.time_to_remediate.median is None
    assert {r.status for r in report.requirements} == {NO_EVIDENCE, ELSEWHERE}


def test_the_episodes_equal_the_latest_states_on_what_is_open() -> None:
    records = [
        record("bucket-a", ago(days=5), FAILED, changed_at=ago(days=5)),
        record("bucket-a", ago(days=4), FAILED),
        record("bucket-a", ago(days=3), NOT_AVAILABLE),
    ]
    (state,) = latest(records)
    report, (found,) = report_of(records, "aws-fsbp", NOW)
    # NOT_AVAILABLE neither opens nor closes an episode: still open since the change
    assert state.status is NOT_AVAILABLE
    assert found.closure is None
    assert found.opened_at == ago(days=5)
    # as `findings` marks it: not still open (its latest state proves nothing), not closed
    assert report.episodes == (found,)
    assert report.open_findings == ()
    assert report.remediated == ()


def test_age_buckets_have_inclusive_lower_bounds() -> None:
    assert age_bucket(timedelta(hours=23)) == "< 1 day"
    assert age_bucket(timedelta(days=7)) == "7-30 days"
    assert age_bucket(timedelta(days=91)) == "> 90 days"


def test_duration_stats_median_and_p90() -> None:
    stats = duration_stats("r", [timedelta(hours=h) for h in (1, 2, 3, 4, 10)])
    assert stats.median == timedelta(hours=3)
    assert stats.p90 == timedelta(hours=7.6)
    one = duration_stats("r", [timedelta(seconds=5)])
    assert one.median == one.p90 == timedelta(seconds=5)
    assert duration_stats("r", []).median is None


def test_natural_key_sorts_control_numbers_as_numbers() -> None:
    assert sorted(["S3.10", "S3.2", "2.1.4", "1.4"], key=natural_key) == [
        "1.4",
        "2.1.4",
        "S3.2",
        "S3.10",
    ]
