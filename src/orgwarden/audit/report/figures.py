"""The compliance report's figures. Pure: no I/O, no clock.

Inputs: the latest evidence record of every finding in scope (the evidence table's state
items), the episodes of non-compliance the `findings` command answers with
(`orgwarden.audit.episodes`), the framework as data (`orgwarden.audit.frameworks`), the
accounts' names and OUs, and the catalogue's rule specs.

Definitions, the same as `orgwarden findings` and stated on the page (`DEFINITIONS`):
- A finding's state is the status of its latest evaluation. NOT_APPLICABLE (the resource is
  gone or out of scope) is counted nowhere. % compliant is passed / (passed + failed): WARNING
  (an exempted resource, still exposed) and NOT_AVAILABLE (could not be read) are shown but, as
  in Security Hub's score, neither prove nor disprove compliance.
- An episode is one period of non-compliance (FAILED or WARNING) of one finding: it opens at the
  change that made the resource non-compliant (the causing event's time; a sweep's observation
  when no event is known) and closes at the change that ended it (orgwarden's verified fix, or
  the event that fixed or removed the resource). NOT_AVAILABLE neither opens nor closes one.
- A finding is open while its episode is not closed; its age runs from the episode's opening.
- Time to remediate is, per episode closed PASSED in the report's range, closing minus opening.
- A requirement is failing when a finding of a rule that judges it is FAILED or WARNING now,
  passing when all its findings passed, without evidence when its rules found no resource; a
  requirement no rule judges is judged elsewhere (automated) or manual.
- The trend gives, for each UTC day of the range, the episodes open at the end of that day.
"""

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from orgwarden.audit.episodes import Episode
from orgwarden.audit.frameworks import Framework, Requirement
from orgwarden.model.evidence import EvidenceRecord
from orgwarden.model.evidence_items import OPEN_STATUSES
from orgwarden.model.spec import RuleSpec, Status

DEFINITIONS = (
    "An episode is one period of non-compliance (FAILED or WARNING) of one finding: it opens at "
    "the change that made the resource non-compliant (the causing event's time, or the sweep's "
    "observation when no event is known) and closes at the change that ended it (orgwarden's "
    "verified fix, or the event that fixed or removed the resource). Time to remediate is "
    "closing minus opening, for each episode closed PASSED in the range; `orgwarden findings` "
    "counts the same episodes the same way. % compliant is passed / (passed + failed) over each "
    "finding's latest state."
)

# Lower bounds are inclusive: a finding open for exactly 7 days is in "7-30 days".
AGE_BUCKETS: tuple[tuple[str, timedelta], ...] = (
    ("< 1 day", timedelta(0)),
    ("1-7 days", timedelta(days=1)),
    ("7-30 days", timedelta(days=7)),
    ("30-90 days", timedelta(days=30)),
    ("> 90 days", timedelta(days=90)),
)

PASSING, FAILING, NO_EVIDENCE, ELSEWHERE, MANUAL = (
    "passing",
    "failing",
    "no evidence",
    "not judged by orgwarden",
    "manual",
)
REQUIREMENT_STATUSES = (FAILING, PASSING, NO_EVIDENCE, ELSEWHERE, MANUAL)


@dataclass(frozen=True)
class AccountInfo:
    account_id: str
    name: str | None = None
    ou: str | None = None  # the OU's path from the root, e.g. Workloads/Prod

    @property
    def label(self) -> str:
        parts = [self.account_id]
        if self.name:
            parts.append(self.name)
        if self.ou:
            parts.append(f"({self.ou})")
        return " ".join(parts)


@dataclass(frozen=True)
class Posture:
    """Latest states of the findings in one row (a requirement, an account, or everything)."""

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
class RequirementRow:
    requirement: Requirement
    status: str  # one of REQUIREMENT_STATUSES
    posture: Posture
    where: str  # for ELSEWHERE: where it is judged instead; else ""


@dataclass(frozen=True)
class OpenFinding:
    episode: Episode
    age: timedelta
    bucket: str


@dataclass(frozen=True)
class DurationStats:
    name: str
    count: int
    median: timedelta | None
    p90: timedelta | None


@dataclass(frozen=True)
class TrendPoint:
    day: date
    open_count: int


@dataclass(frozen=True)
class RuleNote:
    rule_id: str
    title: str
    severity: str
    recommendation: str
    url: str | None


@dataclass(frozen=True)
class ComplianceReport:
    framework: Framework
    generated_at: datetime
    start: datetime
    end: datetime
    overall: Posture
    requirements: tuple[RequirementRow, ...]
    requirement_counts: tuple[tuple[str, int], ...]
    accounts: tuple[tuple[AccountInfo, Posture], ...]
    open_findings: tuple[OpenFinding, ...]  # oldest first
    age_buckets: tuple[tuple[str, int], ...]
    episodes: tuple[Episode, ...]  # every episode of the framework's rules in the range
    remediated: tuple[Episode, ...]  # the closed-PASSED ones time to remediate counts
    time_to_remediate: DurationStats
    time_to_remediate_by_rule: tuple[DurationStats, ...]
    trend: tuple[TrendPoint, ...]
    rules: tuple[RuleNote, ...]

    @property
    def judged(self) -> int:
        return sum(1 for r in self.requirements if r.status in (PASSING, FAILING, NO_EVIDENCE))


def build_report(
    framework: Framework,
    states: Iterable[EvidenceRecord],
    episodes: Iterable[Episode],
    *,
    now: datetime,
    start: datetime,
    end: datetime,
    accounts: Mapping[str, AccountInfo] | None = None,
    specs: Mapping[str, RuleSpec] | None = None,
) -> ComplianceReport:
    now, start, end = _utc(now), _utc(start), _utc(end)
    accounts = accounts or {}
    specs = specs or {}
    framework_rules = {rule for r in framework.requirements for rule in r.rules}
    latest = _latest(s for s in states if s.rule_id in framework_rules)
    counted = [s for s in latest if s.status is not Status.NOT_APPLICABLE]
    in_range = [
        e
        for e in episodes
        if e.rule_id in framework_rules
        and e.opened_at <= end
        and (e.closure is None or e.closure.at >= start)
    ]
    still_open = open_findings(in_range, now)
    remediated = tuple(
        e
        for e in in_range
        if e.closure and e.closure.status is Status.PASSED and start <= e.closure.at <= end
    )
    by_rule: dict[str, list[timedelta]] = defaultdict(list)
    for found in remediated:
        by_rule[found.rule_id].append(found.open_for(now))
    rows = requirement_rows(framework, counted)
    return ComplianceReport(
        framework=framework,
        generated_at=now,
        start=start,
        end=end,
        overall=posture("all findings", (s.status for s in counted)),
        requirements=rows,
        requirement_counts=tuple(
            (status, sum(1 for r in rows if r.status == status)) for status in REQUIREMENT_STATUSES
        ),
        accounts=posture_by_account(counted, accounts),
        open_findings=still_open,
        age_buckets=age_bucket_counts(still_open),
        episodes=tuple(sorted(in_range, key=lambda e: (e.opened_at, e.finding_id))),
        remediated=remediated,
        time_to_remediate=duration_stats("all rules", [e.open_for(now) for e in remediated]),
        time_to_remediate_by_rule=tuple(
            duration_stats(rule, durations) for rule, durations in sorted(by_rule.items())
        ),
        trend=trend(in_range, max(start, _first_day(in_range, start)), min(end, now)),
        rules=tuple(
            RuleNote(
                rule_id=rule,
                title=specs[rule].title,
                severity=specs[rule].severity.value,
                recommendation=specs[rule].recommendation,
                url=specs[rule].recommendation_url,
            )
            for rule in sorted(framework_rules)
            if rule in specs
        ),
    )


def _latest(states: Iterable[EvidenceRecord]) -> list[EvidenceRecord]:
    found: dict[str, EvidenceRecord] = {}
    for state in states:
        known = found.get(state.finding_id)
        if known is None or _utc(state.observed_at) > _utc(known.observed_at):
            found[state.finding_id] = state
    return [found[k] for k in sorted(found)]


def requirement_rows(
    framework: Framework, states: Sequence[EvidenceRecord]
) -> tuple[RequirementRow, ...]:
    by_rule: dict[str, list[Status]] = defaultdict(list)
    for state in states:
        by_rule[state.rule_id].append(state.status)
    rows = []
    for requirement in framework.requirements:
        statuses = [s for rule in requirement.rules for s in by_rule.get(rule, ())]
        counts = posture(requirement.id, statuses)
        where = ""
        if not requirement.rules:
            status = MANUAL if requirement.assessment == "manual" else ELSEWHERE
            where = framework.elsewhere if status == ELSEWHERE else ""
        elif any(s in OPEN_STATUSES for s in statuses):
            status = FAILING
        elif counts.passed:
            status = PASSING
        else:
            status = NO_EVIDENCE
        rows.append(RequirementRow(requirement, status, counts, where))
    return tuple(rows)


def posture(name: str, states: Iterable[Status]) -> Posture:
    counts = dict.fromkeys(Status, 0)
    for state in states:
        counts[state] += 1
    return Posture(
        name=name,
        passed=counts[Status.PASSED],
        failed=counts[Status.FAILED],
        warning=counts[Status.WARNING],
        not_available=counts[Status.NOT_AVAILABLE],
    )


def posture_by_account(
    states: Sequence[EvidenceRecord], accounts: Mapping[str, AccountInfo]
) -> tuple[tuple[AccountInfo, Posture], ...]:
    by_account: dict[str, list[Status]] = defaultdict(list)
    for state in states:
        by_account[state.resource.account_id].append(state.status)
    return tuple(
        (accounts.get(account, AccountInfo(account)), posture(account, by_account[account]))
        for account in sorted(by_account)
    )


def open_findings(episodes: Iterable[Episode], now: datetime) -> tuple[OpenFinding, ...]:
    found = [
        OpenFinding(e, age, age_bucket(age))
        for e in episodes
        if e.closure is None and e.latest.status in OPEN_STATUSES
        for age in (e.open_for(now),)
    ]
    return tuple(sorted(found, key=lambda f: (f.episode.opened_at, f.episode.finding_id)))


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
    p90 = statistics.quantiles(seconds, n=10, method="inclusive")[8] if len(seconds) > 1 else 0
    return DurationStats(
        name=name,
        count=len(seconds),
        median=timedelta(seconds=statistics.median(seconds)),
        p90=timedelta(seconds=p90 if len(seconds) > 1 else seconds[0]),
    )


def _first_day(episodes: Sequence[Episode], start: datetime) -> datetime:
    return min((e.opened_at for e in episodes), default=start)


def trend(episodes: Sequence[Episode], first: datetime, last: datetime) -> tuple[TrendPoint, ...]:
    """Episodes open at the end of each UTC day from `first` to `last` (at `last` that day)."""
    if not episodes or first > last:
        return ()
    points = []
    day = _utc(first).date()
    while day <= last.date():
        moment = min(datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC), last)
        count = sum(
            1
            for e in episodes
            if _utc(e.opened_at) <= moment and (e.closure is None or _utc(e.closure.at) > moment)
        )
        points.append(TrendPoint(day=day, open_count=count))
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
