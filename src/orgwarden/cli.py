"""The `orgwarden` command line."""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from orgwarden.report.figures import FRAMEWORKS, build_report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="orgwarden", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "demo",
        help="run a public-bucket incident end to end in a simulated organization (no AWS account)",
    )
    report = commands.add_parser(
        "report",
        help="write a compliance report (HTML + CSV) from the simulated organization's evidence",
    )
    report.add_argument("--framework", required=True, choices=FRAMEWORKS)
    report.add_argument("--out", type=Path, default=Path("orgwarden-report"), help="directory")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from orgwarden.demo import run  # noqa: PLC0415 - loads moto only when asked

        return run()
    if args.command == "report":
        return _report(args.framework, args.out)
    parser.error(f"unknown command {args.command}")
    return 2


def _report(framework: str, out: Path) -> int:
    # Loaded on use: the report needs plotly, the simulated organization needs moto.
    from orgwarden.demo import seed  # noqa: PLC0415
    from orgwarden.report.page import format_percent, write_report  # noqa: PLC0415
    from orgwarden.simulation import build_organization, moto_endpoint  # noqa: PLC0415

    with moto_endpoint():
        sim = build_organization()
        seed(sim)
        records = sim.evidence_records()
    report = build_report(records, framework, datetime.now(UTC))
    html_path, csv_path = write_report(report, out)
    print(
        f"{framework}: {report.overall.total} finding(s) from {len(records)} evidence record(s), "
        f"{format_percent(report.overall.percent_compliant)} compliant, "
        f"{len(report.open_findings)} open"
    )
    print(f"  {html_path}\n  {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
