"""The `orgwarden` command line: the auditor's questions to a deployed stack's evidence.

Every command reads the deployed stack named by --profile (else AWS_PROFILE, else the default
credential chain); --demo (or `orgwarden demo`) uses the simulated organization instead, which
a checkout's `uv sync` installs. A mistake in what was asked (an unknown profile, no
credentials, an unknown region, a file that exists) is one line on stderr and exit status 2.
"""

import argparse
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from orgwarden.audit.aws_access import UsageError
from orgwarden.audit.embedded import embedded_or_exit
from orgwarden.model.spec import Severity

FRAMEWORK_CHOICES = ("aws-fsbp", "cis-aws-3.0")
DEFAULT_STACK = "orgwarden-dev"  # as `findings` and `report` read
# `scan --fail-on` exits with this when a finding at or above the severity is left open.
EXIT_OPEN_FINDINGS = 3
SEVERITY_ORDER = tuple(Severity)
# AWS error codes that mean the user named something wrong or holds no access: exit 2.
USER_ERROR_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ValidationError",
    "ResourceNotFoundException",
}


def _version() -> str:
    try:
        return version("orgwarden")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


def parser() -> argparse.ArgumentParser:
    from orgwarden.audit import findings_cli, rules_cli  # noqa: PLC0415 - the catalogue on use

    found = argparse.ArgumentParser(prog="orgwarden", description=__doc__)
    found.add_argument("--version", action="version", version=f"orgwarden {_version()}")
    commands = found.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="run incidents of every rule family end to end in the simulated organization "
        "(no AWS account; needs the orgwarden-harness package)",
    )
    findings_cli.add_parser(commands)
    rules_cli.add_parser(commands)
    report = commands.add_parser(
        "report",
        help="write a compliance report (HTML + CSV) from the evidence: every requirement of "
        "the framework with its status",
    )
    report.add_argument(
        "--framework",
        action="append",
        choices=FRAMEWORK_CHOICES,
        help="the framework to report on (repeatable; default: every one)",
    )
    report.add_argument("--out", type=Path, default=Path("orgwarden-report"), help="directory")
    report.add_argument(
        "--force", action="store_true", help="overwrite the report's files if they exist"
    )
    findings_cli.add_source_options(report)
    findings_cli.add_filters(report)
    sweep = commands.add_parser(
        "scan",
        help="sweep every account, region and rule now, in-process, with the deployed stack's "
        "settings (--stack-name); --demo: the simulated organization",
    )
    sweep.add_argument("--profile", help="AWS named profile (default: AWS_PROFILE, if set)")
    sweep.add_argument(
        "--stack-name",
        help="evaluate with this deployed stack's settings (its tables from its outputs, its "
        "roles, modes and break-glass principals from its parameters); default: the "
        "ORGWARDEN_* variables when ORGWARDEN_EVIDENCE_TABLE is set, else the stack "
        f"{DEFAULT_STACK}",
    )
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
        "an interrupted scan",
    )
    sweep.add_argument(
        "--fail-on",
        type=findings_cli.choice_of(list(Severity), "severity"),
        help=f"exit {EXIT_OPEN_FINDINGS} when the scan leaves a finding of this severity or "
        "above open (FAILED or WARNING): a pipeline's gate",
    )
    sweep.add_argument(
        "--demo",
        action="store_true",
        help="sweep the simulated organization with the demo's incidents (no AWS account)",
    )
    return found


def main(argv: list[str] | None = None) -> int:
    from botocore.exceptions import (  # noqa: PLC0415
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        NoRegionError,
        ProfileNotFound,
    )

    try:
        return _run(parser().parse_args(argv))
    except UsageError as error:
        print(f"orgwarden: error: {error}", file=sys.stderr)
        return 2
    except (ProfileNotFound, NoCredentialsError, NoRegionError) as error:
        print(f"orgwarden: error: {error}", file=sys.stderr)
        return 2
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        print(f"orgwarden: error: {error}", file=sys.stderr)
        return 2 if code in USER_ERROR_CODES else 1
    except BotoCoreError as error:
        print(f"orgwarden: error: {error}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return embedded_or_exit().run_demo()
    if args.command == "report":
        return _report(args)
    if args.command == "scan":
        return _scan(args)
    if args.command == "rules":
        from orgwarden.audit import rules_cli  # noqa: PLC0415

        return rules_cli.run(args, sys.stdout)
    from orgwarden.audit import findings_cli  # noqa: PLC0415

    return findings_cli.run(args, sys.stdout, sys.stderr)


def _report(args: argparse.Namespace) -> int:
    from orgwarden.audit.report.cli import run as run_report  # noqa: PLC0415 - jinja2, plotly

    return run_report(args, sys.stdout, sys.stderr)


def _scan(args: argparse.Namespace) -> int:
    profile, regions, only, journal = args.profile, args.region or [], args.account, args.journal
    # The evaluator's metrics need a namespace from their creation (at import) whenever a
    # hundred values pile up, as they do in a long scan; nothing publishes them here.
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Orgwarden")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # Loaded on use: rich and the AWS wiring are not needed by the other commands.
    from rich.console import Console  # noqa: PLC0415

    from orgwarden.audit.scan import Journal, JournalError, scan, summary_table  # noqa: PLC0415
    from orgwarden.aws.sessions import Sessions  # noqa: PLC0415
    from orgwarden.engine.runtime import build_evaluator  # noqa: PLC0415

    out, progress = Console(), Console(stderr=True)
    if args.demo:
        if profile or regions or journal:
            raise UsageError(
                "--demo sweeps the simulated organization, which lives as long as one run: "
                "it takes no --profile, --region or --journal"
            )
        return _scan_demo(args, out, progress)
    from orgwarden.audit.aws_access import session as aws_session  # noqa: PLC0415

    base = aws_session(profile, regions[0] if regions else None)
    for region in regions[1:]:
        from orgwarden.audit.aws_access import check_region  # noqa: PLC0415

        check_region(base, region)
    settings = _scan_settings(args.stack_name, base)
    try:
        progress_file = Journal.open(journal) if journal else None
    except (OSError, JournalError) as error:
        raise UsageError(f"cannot use the journal: {error}") from None
    sessions = Sessions(base)
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
    return _scan_exit(result, args.fail_on)


def _scan_settings(stack_name: str | None, base: Any) -> Any:
    """The deployed stack's settings: read from the stack (--stack-name, or the default stack
    when no ORGWARDEN_EVIDENCE_TABLE is set), else from the ORGWARDEN_* variables."""
    from orgwarden.audit.scan import StackSettings  # noqa: PLC0415
    from orgwarden.aws.audit_lookups import NameNotResolved, stack_settings  # noqa: PLC0415
    from orgwarden.aws.sessions import client_config  # noqa: PLC0415
    from orgwarden.engine.settings import Settings  # noqa: PLC0415

    if stack_name or not os.environ.get("ORGWARDEN_EVIDENCE_TABLE"):
        stack = stack_name or DEFAULT_STACK
        try:
            values = stack_settings(base.client("cloudformation", config=client_config()), stack)
            return StackSettings(**values)
        except NameNotResolved as error:
            raise UsageError(str(error)) from None
        except ValueError as error:  # a parameter the evaluator would refuse too
            first = str(error).splitlines()
            raise UsageError(f"stack {stack!r}: {first[0] if first else error}") from None
    try:
        return Settings()  # type: ignore[call-arg]  # the deployed stack's, from the environment
    except ValueError as error:
        first = str(error).splitlines()
        raise UsageError(
            "set the deployed stack's settings in the environment (ORGWARDEN_EVIDENCE_TABLE, "
            "ORGWARDEN_IDEMPOTENCY_TABLE, ORGWARDEN_CONTROL_TABLE, as the stack's outputs name "
            f"them), or give --stack-name: {first[0] if first else error}"
        ) from None


def _scan_demo(args: argparse.Namespace, out: Any, progress: Any) -> int:
    from orgwarden.audit.scan import scan, summary_table  # noqa: PLC0415
    from orgwarden.aws.sessions import Sessions  # noqa: PLC0415
    from orgwarden.engine.runtime import build_evaluator  # noqa: PLC0415
    from orgwarden.engine.settings import Settings  # noqa: PLC0415

    # The evaluator logs to stdout; keep the summary readable (findings and evidence tell all).
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    progress.print("building the simulated organization and playing the demo's incidents")
    with embedded_or_exit().scan_environment() as (home_regions, imported):
        evaluator = build_evaluator(Settings(), Sessions())  # type: ignore[call-arg]
        result = scan(evaluator, home_regions, home_regions[0], progress, args.account)
        out.print(summary_table(result))
        out.print(
            "Security Hub findings: "
            + ", ".join(f"{name} {count}" for name, count in imported().items())
        )
    return _scan_exit(result, args.fail_on)


def _scan_exit(result: Any, fail_on: str | None) -> int:
    for task, reason in result.failed_tasks:
        print(f"task failed: {task.label}: {reason}", file=sys.stderr)
    if fail_on:
        from policies import load_catalogue  # noqa: PLC0415

        rules = load_catalogue().rules
        floor = SEVERITY_ORDER.index(Severity(fail_on))
        gating = sorted(
            {
                finding
                for rule_id, finding in result.still_open
                if rule_id in rules and SEVERITY_ORDER.index(rules[rule_id].spec.severity) >= floor
            }
        )
        if gating:
            print(
                f"{len(gating)} finding(s) of severity {fail_on} or above left open, "
                f"e.g. {gating[0]}",
                file=sys.stderr,
            )
            return EXIT_OPEN_FINDINGS
    return 1 if result.failed_tasks else 0


if __name__ == "__main__":
    sys.exit(main())
