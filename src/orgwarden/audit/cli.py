"""The `orgwarden` command line."""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orgwarden.audit.embedded import embedded_or_exit

FRAMEWORK_CHOICES = ("aws-fsbp", "cis-aws-3.0")


def parser() -> argparse.ArgumentParser:
    from orgwarden.audit import findings_cli  # noqa: PLC0415 - loads the catalogue only when run

    found = argparse.ArgumentParser(prog="orgwarden", description=__doc__)
    commands = found.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="run incidents of every rule family end to end in a simulated organization "
        "(no AWS account)",
    )
    findings_cli.add_parser(commands)
    report = commands.add_parser(
        "report",
        help="write a compliance report (HTML + CSV) from the simulated organization's evidence",
    )
    report.add_argument("--framework", required=True, choices=FRAMEWORK_CHOICES)
    report.add_argument("--out", type=Path, default=Path("orgwarden-report"), help="directory")
    sweep = commands.add_parser(
        "scan",
        help="sweep every account, region and rule now, in-process (default: the simulated "
        "organization with the demo's incidents)",
    )
    sweep.add_argument("--profile", help="an AWS profile with the deployed stack's settings")
    sweep.add_argument(
        "--region",
        action="append",
        help="a region to sweep (repeatable; the first is the home region)",
    )
    sweep.add_argument(
        "--account", action="append", default=[], help="sweep only this account (repeatable)"
    )
    sweep.add_argument(
        "--journal",
        type=Path,
        help="write the scan's progress to this file; run again with the same file to finish "
        "an interrupted scan (with --profile or --region)",
    )
    return found


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "demo":
        return embedded_or_exit().run_demo()
    if args.command == "report":
        return _report(args.framework, args.out)
    if args.command == "scan":
        return _scan(args.profile, args.region or [], args.account, args.journal)
    from orgwarden.audit import findings_cli  # noqa: PLC0415

    return findings_cli.run(args, sys.stdout, sys.stderr)


def _report(framework: str, out: Path) -> int:
    # Loaded on use: the report needs plotly, the simulated organization needs moto.
    from orgwarden.audit.report.figures import build_report  # noqa: PLC0415
    from orgwarden.audit.report.page import format_percent, write_report  # noqa: PLC0415

    with embedded_or_exit().evidence_records() as records:
        pass
    report = build_report(records, framework, datetime.now(UTC))
    html_path, csv_path = write_report(report, out)
    print(
        f"{framework}: {report.overall.total} finding(s) from {len(records)} evidence record(s), "
        f"{format_percent(report.overall.percent_compliant)} compliant, "
        f"{len(report.open_findings)} open"
    )
    print(f"  {html_path}\n  {csv_path}")
    return 0


def _scan(profile: str | None, regions: list[str], only: list[str], journal: Path | None) -> int:
    # The evaluator's metrics need a namespace from their creation (at import) whenever a
    # hundred values pile up, as they do in a long scan; nothing publishes them here.
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Orgwarden")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # Loaded on use: rich and the AWS wiring are not needed by the other commands.
    from rich.console import Console  # noqa: PLC0415

    from orgwarden.audit.scan import Journal, JournalError, scan, summary_table  # noqa: PLC0415
    from orgwarden.aws.sessions import Sessions  # noqa: PLC0415
    from orgwarden.engine.runtime import build_evaluator  # noqa: PLC0415
    from orgwarden.engine.settings import Settings  # noqa: PLC0415

    out, progress = Console(), Console(stderr=True)
    if journal and not (profile or regions):
        # The simulated organization lives as long as one run: there is nothing to go on with.
        print("--journal needs --profile or --region (a real organization)", file=sys.stderr)
        return 2
    if profile or regions:
        try:
            settings = Settings()  # type: ignore[call-arg]  # the deployed stack's, from the environment
        except ValueError as error:
            print(f"set the deployed stack's ORGWARDEN_* settings: {error}", file=sys.stderr)
            return 2
        try:
            progress_file = Journal.open(journal) if journal else None
        except (OSError, JournalError) as error:
            print(f"cannot use the journal: {error}", file=sys.stderr)
            return 2
        sessions = Sessions.from_profile(profile, regions[0] if regions else None)
        home = sessions.home_region
        evaluator = build_evaluator(settings, sessions)
        try:
            result = scan(evaluator, regions or [home], home, progress, only, journal=progress_file)
        finally:
            if progress_file:
                progress_file.close()
        out.print(summary_table(result))
        if journal and result.failed_tasks:
            print(
                f"{journal} keeps the failed tasks: run the same command to retry them",
                file=sys.stderr,
            )
        return _report_failed_tasks(result.failed_tasks)

    # The evaluator logs to stdout; keep the summary readable (findings and evidence tell all).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    progress.print("building the simulated organization and playing the demo's incidents")
    with embedded_or_exit().scan_environment() as (home_regions, imported):
        evaluator = build_evaluator(Settings(), Sessions())  # type: ignore[call-arg]
        result = scan(evaluator, home_regions, home_regions[0], progress, only)
        out.print(summary_table(result))
        out.print(
            "Security Hub findings: "
            + ", ".join(f"{name} {count}" for name, count in imported().items())
        )
    return _report_failed_tasks(result.failed_tasks)


def _report_failed_tasks(failed: list[tuple[Any, str]]) -> int:
    for task, reason in failed:
        print(
            f"task failed: {task.label}: {reason}",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
