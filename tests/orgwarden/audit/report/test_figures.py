"""The report's figures on hand-built histories whose answers are worked out in the tests."""

from datetime import UTC, date, datetime, timedelta

import pytest

from orgwarden.audit.report.figures import (
    age_bucket,
    build_report,
    controls_in,
    duration_stats,
    natural_key,
)
from orgwarden.model.spec import Status

from .history import record

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FAILED, PASSED = Status.FAILED, Status.PASSED
NOT_AVAILABLE, NOT_APPLICABLE = Status.NOT_AVAILABLE, Status.NOT_APPLICABLE
FSBP_ONLY = ("aws-fsbp GuardDuty.1",)
CIS_ONLY = ("cis-aws-3.0 2.1.2",)


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


def test_controls_of_one_framework_are_picked_from_the_related_requirements() -> None:
    requirements = ["aws-fsbp S3.2", "cis-aws-3.0 2.1.4", "aws-fsbp S3.3", "aws-fsbp-extra X.1"]
    assert controls_in(requirements, "aws-fsbp") == ("S3.2", "S3.3")
    assert controls_in(requirements, "cis-aws-3.0") == ("2.1.4",)


def test_findings_outside_the_framework_are_left_out() -> None:
    records = [
        record("both-frameworks", ago(days=1), FAILED),
        record("fsbp-only", ago(days=1), FAILED, rule="guardduty_enabled", controls=FSBP_ONLY),
        record("cis-only", ago(days=1), PASSED, rule="s3_bucket_mfa_delete", controls=CIS_ONLY),
    ]
    fsbp = build_report(records, "aws-fsbp", NOW)
    cis = build_report(records, "cis-aws-3.0", NOW)
    assert [c.name for c in fsbp.controls] == ["GuardDuty.1", "S3.2", "S3.3"]
    assert [c.name for c in cis.controls] == ["2.1.2", "2.1.4"]
    assert (fsbp.overall.passed, fsbp.overall.failed) == (0, 2)
    assert (cis.overall.passed, cis.overall.failed) == (1, 1)
    assert {f.rule_id for f in cis.open_findings} == {"s3_bucket_public_access"}


def test_an_unknown_framework_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown framework"):
        build_report([], "nist-800-53", NOW)


def test_posture_counts_the_latest_state_of_each_finding_per_control() -> None:
    records = [
        # fixed by hand: latest PASSED
        record("bucket-a", ago(days=5), FAILED),
        record("bucket-a", ago(days=2), PASSED),
        # drifted after passing: latest FAILED (given out of order on purpose)
        record("bucket-b", ago(days=1), FAILED),
        record("bucket-b", ago(days=9), PASSED),
        # access denied on the last read: latest NOT_AVAILABLE, not judged
        record("bucket-c", ago(days=3), PASSED),
        record("bucket-c", ago(hours=2), NOT_AVAILABLE),
        # deleted: archived, counted nowhere
        record("bucket-d", ago(days=4), FAILED),
        record("bucket-d", ago(days=1), NOT_APPLICABLE),
        record("bucket-e", ago(days=1), Status.WARNING),
    ]
    report = build_report(records, "aws-fsbp", NOW)
    s3_2 = {c.name: c for c in report.controls}["S3.2"]
    assert (s3_2.passed, s3_2.failed, s3_2.warning, s3_2.not_available) == (1, 1, 1, 1)
    assert s3_2.percent_compliant == 50.0
    assert report.controls[0] == s3_2
    assert report.controls[1].name == "S3.3"
    assert report.overall.total == 4


def test_a_control_with_nothing_judged_has_no_percentage() -> None:
    report = build_report([record("bucket-a", ago(days=1), NOT_AVAILABLE)], "aws-fsbp", NOW)
    assert report.controls[0].not_available == 1
    assert report.controls[0].percent_compliant is None
    assert report.overall.percent_compliant is None


def test_posture_per_account_counts_each_finding_once() -> None:
    records = [
        record("bucket-a", ago(days=1), PASSED, account="222222222222"),
        record("bucket-b", ago(days=1), FAILED, account="222222222222"),
        record("bucket-c", ago(days=1), PASSED, account="222222222222"),
        record("bucket-d", ago(days=1), FAILED, account="333333333333"),
    ]
    accounts = build_report(records, "aws-fsbp", NOW).accounts
    assert [(a.name, a.passed, a.failed) for a in accounts] == [
        ("222222222222", 2, 1),
        ("333333333333", 0, 1),
    ]
    assert accounts[0].percent_compliant == pytest.approx(200 / 3)
    assert accounts[1].percent_compliant == 0.0


@pytest.mark.parametrize(
    ("age", "bucket"),
    [
        (timedelta(0), "< 1 day"),
        (timedelta(days=1) - timedelta(seconds=1), "< 1 day"),
        (timedelta(days=1), "1-7 days"),
        (timedelta(days=7) - timedelta(microseconds=1), "1-7 days"),
        (timedelta(days=7), "7-30 days"),
        (timedelta(days=30), "30-90 days"),
        (timedelta(days=90) - timedelta(seconds=1), "30-90 days"),
        (timedelta(days=90), "> 90 days"),
        (timedelta(days=400), "> 90 days"),
    ],
)
def test_age_buckets_include_their_lower_bound(age: timedelta, bucket: str) -> None:
    assert age_bucket(age) == bucket
    report = build_report([record("bucket-a", NOW - age, FAILED)], "aws-fsbp", NOW)
    assert dict(report.age_buckets)[bucket] == 1
    assert sum(count for _, count in report.age_buckets) == 1


def test_age_runs_from_the_first_failure_of_the_episode_still_open() -> None:
    records = [
        # reopened: the first episode (40 to 20 days ago) does not count
        record("reopened", ago(days=40), FAILED),
        record("reopened", ago(days=20), PASSED),
        record("reopened", ago(days=10), FAILED),
        record("reopened", ago(days=2), FAILED),
        # a NOT_AVAILABLE read in the middle does not end the failure
        record("unseen-for-a-while", ago(days=95), FAILED),
        record("unseen-for-a-while", ago(days=30), NOT_AVAILABLE),
        record("unseen-for-a-while", ago(hours=5), FAILED),
        # latest read was NOT_AVAILABLE: not counted as open
        record("unreadable", ago(days=3), FAILED),
        record("unreadable", ago(days=1), NOT_AVAILABLE),
        # a dry run planned the fix: still open, since detection
        record("planned", ago(hours=30), FAILED, fix_started=ago(hours=30), outcome="planned"),
    ]
    report = build_report(records, "aws-fsbp", NOW)
    ages = {f.resource_id: f.age for f in report.open_findings}
    assert ages == {
        "unseen-for-a-while": timedelta(days=95),
        "reopened": timedelta(days=10),
        "planned": timedelta(hours=30),
    }
    assert [f.resource_id for f in report.open_findings] == [
        "unseen-for-a-while",
        "reopened",
        "planned",
    ]
    assert dict(report.age_buckets) == {
        "< 1 day": 0,
        "1-7 days": 1,
        "7-30 days": 1,
        "30-90 days": 0,
        "> 90 days": 1,
    }


def test_time_to_remediate_takes_every_closed_episode() -> None:
    t0 = ago(days=10)
    records = [
        # two episodes: 3 h (fixed by hand), then 2 h 30 s (orgwarden's verified fix)
        record("bucket-a", t0, FAILED),
        record("bucket-a", t0 + timedelta(hours=1), FAILED),
        record("bucket-a", t0 + timedelta(hours=3), PASSED),
        record("bucket-a", t0 + timedelta(hours=10), FAILED),
        record(
            "bucket-a",
            t0 + timedelta(hours=12, seconds=30),
            PASSED,
            detected=FAILED,
            fix_started=t0 + timedelta(hours=12, seconds=10),
        ),
        # found and fixed in one evaluation: from the fix's start to the verified re-read
        record(
            "bucket-b",
            t0 + timedelta(seconds=20),
            PASSED,
            detected=FAILED,
            fix_started=t0,
            rule="s3_bucket_mfa_delete",
        ),
        # the resource was deleted: not a remediation
        record("bucket-c", t0, FAILED),
        record("bucket-c", t0 + timedelta(minutes=5), NOT_APPLICABLE),
        # reopened and still open: only the closed episode counts
        record("bucket-d", t0, FAILED),
        record("bucket-d", t0 + timedelta(hours=1), PASSED),
        record("bucket-d", t0 + timedelta(hours=2), FAILED),
        # a fix that did not verify leaves the episode open
        record("bucket-e", t0, FAILED, detected=FAILED, fix_started=t0, outcome="not-verified"),
    ]
    report = build_report(records, "aws-fsbp", NOW)
    durations = sorted(r.duration.total_seconds() for r in report.remediations)
    assert durations == [20, 3600, 2 * 3600 + 30, 3 * 3600]
    overall = report.time_to_remediate
    assert overall.count == 4
    assert overall.median == timedelta(seconds=(3600 + 7230) / 2)
    # inclusive quantiles over [20, 3600, 7230, 10800]: rank 0.9 * 3 = 2.7
    assert overall.p90 == timedelta(seconds=7230 + 0.7 * (10800 - 7230))
    by_rule = {s.name: s for s in report.time_to_remediate_by_rule}
    assert by_rule["s3_bucket_mfa_delete"].count == 1
    assert by_rule["s3_bucket_mfa_delete"].median == timedelta(seconds=20)
    assert by_rule["s3_bucket_mfa_delete"].p90 == timedelta(seconds=20)
    assert by_rule["s3_bucket_public_access"].count == 3


def test_duration_stats_interpolate_between_ranks() -> None:
    stats = duration_stats("r", [timedelta(hours=h) for h in range(10, 0, -1)])
    assert stats.median == timedelta(hours=5.5)
    assert stats.p90 == timedelta(hours=9.1)
    empty = duration_stats("r", [])
    assert (empty.count, empty.median, empty.p90) == (0, None, None)


def test_the_trend_gives_each_days_closing_state() -> None:
    day0 = datetime(2026, 11, 19, 8, tzinfo=UTC)
    records = [
        record("bucket-a", day0, FAILED),  # 19th: failed
        record("bucket-a", day0 + timedelta(days=1, hours=15), PASSED),  # 20th 23:00: passed
        record("bucket-b", day0 + timedelta(days=1), PASSED),  # 20th: passed
        record("bucket-b", day0 + timedelta(days=2), FAILED),  # 21st: failed
        record("bucket-c", day0 + timedelta(days=2, hours=1), NOT_AVAILABLE),
        record("bucket-c", day0 + timedelta(days=3, hours=1), PASSED),  # 22nd 09:00
        record("bucket-b", NOW + timedelta(hours=1), PASSED),  # after `now`: ignored
    ]
    trend = build_report(records, "aws-fsbp", NOW).trend
    assert [p.day for p in trend] == [date(2026, 11, d) for d in (19, 20, 21, 22)]
    assert [(p.counts.passed, p.counts.failed, p.counts.not_available) for p in trend] == [
        (0, 1, 0),
        (2, 0, 0),
        (1, 1, 1),
        (2, 1, 0),
    ]
    assert [p.open_count for p in trend] == [1, 0, 1, 1]
    assert [p.counts.percent_compliant for p in trend] == [0.0, 100.0, 50.0, pytest.approx(200 / 3)]


def test_a_verified_fix_in_one_record_is_failed_then_passed_in_the_trend() -> None:
    late = datetime(2026, 11, 21, 23, 59, 50, tzinfo=UTC)
    records = [
        record("bucket-a", late, FAILED, detected=FAILED, fix_started=late, outcome="planned"),
        # detected on the 21st, verified fixed just after midnight
        record(
            "bucket-b",
            late + timedelta(seconds=15),
            PASSED,
            detected=FAILED,
            fix_started=late,
        ),
    ]
    trend = build_report(records, "aws-fsbp", NOW).trend
    assert [(p.day.day, p.counts.passed, p.counts.failed) for p in trend] == [
        (21, 0, 2),
        (22, 1, 1),
    ]


def test_records_after_now_are_ignored_everywhere() -> None:
    records = [
        record("bucket-a", ago(days=2), FAILED),
        record("bucket-a", NOW + timedelta(seconds=1), PASSED),
    ]
    report = build_report(records, "aws-fsbp", NOW)
    assert report.overall.failed == 1
    assert report.remediations == ()
    assert len(report.open_findings) == 1


def test_an_empty_history_gives_empty_figures() -> None:
    report = build_report([], "cis-aws-3.0", NOW)
    assert report.controls == report.accounts == report.open_findings == report.trend == ()
    assert report.overall.percent_compliant is None
    assert report.time_to_remediate.count == 0


def test_controls_sort_by_their_numbers() -> None:
    assert sorted(["S3.10", "S3.2", "EC2.8", "S3.1"], key=natural_key) == [
        "EC2.8",
        "S3.1",
        "S3.2",
        "S3.10",
    ]
    assert sorted(["2.1.4", "1.14", "1.4", "2.1.2"], key=natural_key) == [
        "1.4",
        "1.14",
        "2.1.2",
        "2.1.4",
    ]
