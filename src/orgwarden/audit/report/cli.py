"""`orgwarden report`: the compliance report from a deployed stack's evidence (or, with --demo,
the simulated organization's), with the filters `orgwarden findings` takes.

The evidence table answers it in two reads: the state items of every account in scope (each
finding's latest evaluation: the posture of every requirement) and the transition items of the
range (the episodes, as `findings` reads them). Neither reads the unchanged re-evaluations, so
a year costs about what a month does.
"""

import argparse
from datetime import UTC, datetime
from typing import Any, TextIO

from orgwarden.audit.aws_access import UsageError
from orgwarden.audit.episodes import EpisodeFilter
from orgwarden.audit.frameworks import FRAMEWORK_IDS, load_framework
from orgwarden.audit.report.figures import AccountInfo, ComplianceReport, build_report
from orgwarden.audit.report.page import (
    OutputExists,
    format_duration,
    format_percent,
    report_paths,
    write_report,
)
from orgwarden.model import evidence_items as items
from orgwarden.model.evidence import EvidenceRecord
from policies import load_catalogue


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from orgwarden.audit import findings_cli  # noqa: PLC0415
    from orgwarden.audit.queries import find_episodes  # noqa: PLC0415
    from orgwarden.aws.audit_lookups import NameNotResolved  # noqa: PLC0415

    frameworks = [load_framework(f) for f in dict.fromkeys(args.framework or FRAMEWORK_IDS)]
    if not args.force:
        for path in (p for f in frameworks for p in report_paths(f.id, args.out)):
            if path.exists():
                err.write(
                    f"orgwarden report: error: {path} exists: remove it, choose another --out, "
                    "or give --force\n"
                )
                return 2
    start, end = findings_cli._window(args, datetime.now(UTC))
    if start > end:
        err.write(f"orgwarden report: error: the range starts ({start}) after it ends ({end})\n")
        return 2
    specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
    framework_rules = {rule for f in frameworks for r in f.requirements for rule in r.rules}
    try:
        with findings_cli.open_source(args) as source:
            if getattr(args, "demo", False):
                err.write(f"orgwarden report: reading {source.description}\n")
            # The demo's evidence is made while the source opens: the range ends after it.
            now = datetime.now(UTC)
            start, end = findings_cli._window(args, now)
            wanted = findings_cli._filter(args, source, start, end)
            rules = sorted(
                set(wanted.rules or findings_cli._rules_for(wanted.controls)) & framework_rules
            )
            directory = _directory(source.organizations, err)
            episodes = find_episodes(source.store, wanted, rules, now=now)
            # Without the organization's directory, the accounts the episodes name are in scope.
            scope = set(wanted.accounts) or set(directory) or {e.account_id for e in episodes}
            states = latest_states(source.store, scope, wanted, rules)
    except (NameNotResolved, UsageError) as error:
        err.write(f"orgwarden report: error: {error}\n")
        return 2
    for framework in frameworks:
        report = build_report(
            framework,
            states,
            episodes,
            now=now,
            start=start,
            end=end,
            accounts=directory,
            specs=specs,
        )
        try:
            html_path, csv_path = write_report(
                report, args.out, source=source.description, force=args.force
            )
        except OutputExists as error:
            err.write(f"orgwarden report: error: {error}\n")
            return 2
        out.write(summary(report) + "\n")
        out.write(f"  {html_path}\n  {csv_path}\n")
    return 0


def summary(report: ComplianceReport) -> str:
    counts = dict(report.requirement_counts)
    overall = report.overall
    return (
        f"{report.framework.id}: {report.judged}/{len(report.requirements)} requirements judged "
        f"by orgwarden ({counts['failing']} failing, {counts['passing']} passing, "
        f"{counts['no evidence']} without evidence), {counts['not judged by orgwarden']} "
        f"judged elsewhere, {counts['manual']} manual; {overall.total} finding(s), "
        f"{format_percent(overall.percent_compliant)} compliant, {overall.failed} failed, "
        f"{len(report.open_findings)} open; median time to remediate "
        f"{format_duration(report.time_to_remediate.median)} over "
        f"{len(report.remediated)} episode(s)"
    )


def _directory(organizations: Any, err: TextIO) -> dict[str, AccountInfo]:
    """The accounts' names and OUs; ids alone when Organizations cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from orgwarden.aws.audit_lookups import account_directory  # noqa: PLC0415

    try:
        found = account_directory(organizations)
    except (ClientError, BotoCoreError) as error:
        err.write(f"orgwarden report: accounts shown by id only (Organizations: {error})\n")
        return {}
    return {a.id: AccountInfo(a.id, a.name or None, a.ou or None) for a in found.values()}


def latest_states(
    store: Any, accounts: set[str], wanted: EpisodeFilter, rules: list[str]
) -> list[EvidenceRecord]:
    """Each finding's latest evaluation, from the state items of the accounts in scope."""
    from orgwarden.aws.evidence_store import Partition  # noqa: PLC0415

    parts = [Partition(items.BY_ACCOUNT_INDEX, items.state_partition(a)) for a in sorted(accounts)]
    found = []
    for batch in store.query_all(parts):
        for item in batch:
            if item.get("kind") != items.KIND_STATE:
                continue
            record = items.read_record(item["record"])
            if record.rule_id not in rules:
                continue
            checks = (
                (wanted.regions, record.resource.region),
                (wanted.severities, record.severity),
                (wanted.resource_ids, record.resource.resource_id),
            )
            if any(want and value not in want for want, value in checks):
                continue
            found.append(record)
    return found
