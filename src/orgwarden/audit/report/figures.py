"""The compliance report's figures, computed from evidence records. Pure: no I/O, no clock.

A finding's history is every record with its finding id, oldest first. One record is one
observation, except a record whose fix was verified (detected FAILED, final status not FAILED):
that is a FAILED observation when the fix started, then the final status when it was recorded.

Definitions the figures share:
- A finding's state is the status of its latest observation at or before `now`. A finding whose
  state is NOT_APPLICABLE (resource gone or out of scope) is archived and counted nowhere.
- Per control and per account, each finding counts once in each of its rows. % compliant is
  passed / (passed + failed): WARNING and NOT_AVAILABLE are shown but, as in Security Hub's
  score, neither prove nor disprove compliance. It is None when nothing was judged.
- An episode begins at a FAILED observation and closes at the next PASSED (remediated) or
  NOT_APPLICABLE (resource gone) one. NOT_AVAILABLE and WARNING do not close it: the failure may
  persist unseen. A finding is open when its state is FAILED; its age runs from the first FAILED
  observation of the episode still open.
- Time to remediate is, per episode closed by PASSED, the time from its first FAILED
  observation to that PASSED one.
- The trend gives, for each UTC day from the first observation to `now`, the state of every
  finding at the end of that day (at `now` for the last day).
"""

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.spec import Severity, Status

FRAMEWORKS = ("cis-aws-3.0", "aws-fsbp")

# Lower bounds are inclusive: a finding open for exactly 7 days is in "7-30 days".
AGE_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("< 1 day", timedelta(0)),
    ("1-7 days", timedelta(days=1)),
    ("7-30 days", timedelta(days=7)),
    ("30-90 days", timedelta(days=30)),
    ("> 90 days", timedelta(days=90)),
)

_CLOSES_EPISODE = (Status.PASSED, Status.NOT_APPLICABLE)


@dataclass(frozen=True)
class Observation:
    at: datetime
    status: Status


@dataclass(frozen=True)
class FindingHistory:
    finding_id: str
    rule_id: str
    account_id: str
    resource_id: str
    severity: Severity
    controls: tuple[str, ...]  # the ids in the report's framework, e.g. ("S3.2", "S3.3")
    observations: tuple[Observation, ...]  # oldest first

    @property
    def state(self) -> Status:
        return self.observations[-1].status


@dataclass(frozen=True)
class Posture:
    """Latest states of the findings in one row (a control, an account, or everything)."""

    name: str
    passed: int = 0
    failed: int = 0
    warning: int = 0
    not_available: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.warning + self.not_available

    @property
    def percent_compliant(self) -> float | None:
        judged = self.passed + self.failed
        return 100.0 * self.passed / judged if judged else None


@dataclass(frozen=True)
class OpenFinding:
    finding_id: str
    rule_id: str
    account_id: str
    resource_id: str
    severity: Severity
    opened_at: datetime
    age: timedelta
    bucket: str


@dataclass(frozen=True)
class Remediation:
    finding_id: str
    rule_id: str
    failed_at: datetime
    passed_at: datetime

    @property
    def duration(self) -> timedelta:
        return self.passed_at - self.failed_at


@dataclass(frozen=True)
class DurationStats:
    name: str
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class TrendPoint:
    day: date
    counts: Posture  # every finding's state at the end of the day

    @property
    def open_count(self) -> int:
        return self.counts.failed


@dataclass(frozen=True)
class ComplianceReport:
    framework: str
    generated_at: datetime
    overall: Posture
    controls: tuple[Posture, ...]
    accounts: tuple[Posture, ...]
    open_findings: tuple[OpenFinding, ...]  # oldest first
    age_buckets: tuple[tuple[str, int], ...]
    remediations: tuple[Remediation, ...]
    time_to_remediate: DurationStats
    time_to_remediate_by_rule: tuple[DurationStats, ...]
    trend: tuple[TrendPoint, ...]


def build_report(
    records: Iterable[EvidenceRecord], framework: str, now: datetime
) -> ComplianceReport:
    histories = finding_histories(records, framework, now)
    still_open = open_findings(histories, now)
    remediations = tuple(r for h in histories for r in remediations_of(h))
    by_rule: dict[str, list[timedelta]] = defaultdict(list)
    for remediation in remediations:
        by_rule[remediation.rule_id].append(remediation.duration)
    return ComplianceReport(
        framework=framework,
        generated_at=now,
        overall=posture("all findings", (h.state for h in histories)),
        controls=posture_by_control(histories),
        accounts=posture_by_account(histories),
        open_findings=still_open,
        age_buckets=age_bucket_counts(still_open),
        remediations=remediations,
        time_to_remediate=duration_stats("all rules", [r.duration for r in remediations]),
        time_to_remediate_by_rule=tuple(
            duration_stats(rule, durations) for rule, durations in sorted(by_rule.items())
        ),
        trend=trend(histories, now),
    )


def observations_of(record: EvidenceRecord) -> list[Observation]:
    if record.detected_status is Status.FAILED and record.status is not Status.FAILED:
        action = record.action
        detected_at = action.started_at if action and action.started_at else record.observed_at
        return [
            Observation(_utc(detected_at), Status.FAILED),
            Observation(_utc(record.observed_at), record.status),
        ]
    return [Observation(_utc(record.observed_at), record.status)]


def finding_histories(
    records: Iterable[EvidenceRecord], framework: str, now: datetime
) -> list[FindingHistory]:
    """The histories of the findings mapped to `framework`, as of `now`, sorted by finding id."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
    now = _utc(now)
    grouped: dict[str, list[EvidenceRecord]] = defaultdict(list)
    for record in records:
        if _utc(record.observed_at) <= now:
            grouped[record.finding_id].append(record)
    histories = []
    for finding_id, found in sorted(grouped.items()):
        found.sort(key=lambda r: _utc(r.observed_at))
        latest = found[-1]  # the rule's current mapping decides the framework
        controls = controls_in(latest.controls, framework)
        if not controls:
            continue
        histories.append(
            FindingHistory(
                finding_id=finding_id,
                rule_id=latest.rule_id,
                account_id=latest.resource.account_id,
                resource_id=latest.resource.resource_id,
                severity=latest.severity,
                controls=controls,
                observations=tuple(o for r in found for o in observations_of(r)),
            )
        )
    return histories


def controls_in(requirements: Iterable[str], framework: str) -> tuple[str, ...]:
    """The control ids of `framework` among ASFF related requirements ("aws-fsbp S3.2")."""
    prefix = f"{framework} "
    return tuple(r.removeprefix(prefix) for r in requirements if r.startswith(prefix))


def posture(name: str, states: Iterable[Status]) -> Posture:
    counts = {status: 0 for status in Status}
    for state in states:
        counts[state] += 1
    return Posture(
        name=name,
        passed=counts[Status.PASSED],
        failed=counts[Status.FAILED],
        warning=counts[Status.WARNING],
        not_available=counts[Status.NOT_AVAILABLE],
    )


def posture_by_control(histories: Sequence[FindingHistory]) -> tuple[Posture, ...]:
    states: dict[str, list[Status]] = defaultdict(list)
    for history in histories:
        for control in history.controls:
            states[control].append(history.state)
    return tuple(
        posture(control, states[control])
        for control in sorted(states, key=natural_key)
        if any(s is not Status.NOT_APPLICABLE for s in states[control])
    )


def posture_by_account(histories: Sequence[FindingHistory]) -> tuple[Posture, ...]:
    states: dict[str, list[Status]] = defaultdict(list)
    for history in histories:
        states[history.account_id].append(history.state)
    return tuple(
        posture(account, states[account])
        for account in sorted(states)
        if any(s is not Status.NOT_APPLICABLE for s in states[account])
    )


def episodes_of(
    history: FindingHistory,
) -> tuple[list[tuple[datetime, Observation]], datetime | None]:
    """Closed episodes as (first FAILED time, closing observation), and the open one's start."""
    closed: list[tuple[datetime, Observation]] = []
    start: datetime | None = None
    for observation in history.observations:
        if observation.status is Status.FAILED:
            start = start or observation.at
        elif observation.status in _CLOSES_EPISODE and start is not None:
            closed.append((start, observation))
            start = None
    return closed, start


def remediations_of(history: FindingHistory) -> list[Remediation]:
    closed, _ = episodes_of(history)
    return [
        Remediation(history.finding_id, history.rule_id, failed_at=start, passed_at=end.at)
        for start, end in closed
        if end.status is Status.PASSED
    ]


def open_findings(histories: Sequence[FindingHistory], now: datetime) -> tuple[OpenFinding, ...]:
    now = _utc(now)
    found = []
    for history in histories:
        _, start = episodes_of(history)
        if history.state is not Status.FAILED or start is None:
            continue
        age = now - start
        found.append(
            OpenFinding(
                finding_id=history.finding_id,
                rule_id=history.rule_id,
                account_id=history.account_id,
                resource_id=history.resource_id,
                severity=history.severity,
                opened_at=start,
                age=age,
                bucket=age_bucket(age),
            )
        )
    return tuple(sorted(found, key=lambda f: (f.opened_at, f.finding_id)))


def age_bucket(age: timedelta) -> str:
    label = AGE_BUCKETS[0][0]
    for name, lower in AGE_BUCKETS:
        if age >= lower:
            label = name
    return label


def age_bucket_counts(found: Iterable[OpenFinding]) -> tuple[tuple[str, int], ...]:
    counts = dict.fromkeys((name for name, _ in AGE_BUCKETS), 0)
    for finding in found:
        counts[finding.bucket] += 1
    return tuple(counts.items())


def duration_stats(name: str, durations: Sequence[timedelta]) -> DurationStats:
    """Median and 90th percentile (linear interpolation between closest ranks)."""
    if not durations:
        return DurationStats(name=name, count=0, median=None, p90=None)
    seconds = sorted(d.total_seconds() for d in durations)
    p90 = statistics.quantiles(seconds, n=10, method="inclusive")[8]
    return DurationStats(
        name=name,
        count=len(seconds),
        median=timedelta(seconds=statistics.median(seconds)),
        p90=timedelta(seconds=p90),
    )


def trend(histories: Sequence[FindingHistory], now: datetime) -> tuple[TrendPoint, ...]:
    now = _utc(now)
    # (time, finding, position in its history, status): equal times keep the history's order.
    timeline = sorted(
        (o.at, index, step, o.status)
        for index, h in enumerate(histories)
        for step, o in enumerate(h.observations)
    )
    if not timeline:
        return ()
    states: dict[int, Status] = {}
    points = []
    position = 0
    day = timeline[0][0].date()
    while day <= now.date():
        day_end = datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)
        while position < len(timeline) and timeline[position][0] < day_end:
            _, index, _, status = timeline[position]
            states[index] = status
            position += 1
        points.append(TrendPoint(day=day, counts=posture(day.isoformat(), states.values())))
        day += timedelta(days=1)
    return tuple(points)


def natural_key(control: str) -> tuple[tuple[int, int | str], ...]:
    """Sort "S3.10" after "S3.2" and "2.1.4" after "1.4"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", control)
    )


def _utc(moment: datetime) -> datetime:
    # Evidence times are written in UTC; a naive time (hand-written input) is taken as UTC.
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
