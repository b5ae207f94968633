"""`orgwarden findings`: the auditor's questions, answered from the evidence table.

    orgwarden findings --rule s3_bucket_public_access --since 365d
    orgwarden findings --control S3.2 --ou Workloads/Prod --status FAILED --output csv
    orgwarden findings show <finding-id>
    orgwarden findings --since 30d --output security-lake --out lake/


Each row is an episode: a period during which a rule found a resource non-compliant, who made
the change that started it, who ended it and how long it lasted. The CLI reads a deployed
stack's evidence table, with the credentials of `--profile` (else `AWS_PROFILE`, else the
default chain) and the table name from the stack's `EvidenceTableName` output unless
`--table-name` gives it. `--demo` answers from the simulated organization instead (a checkout's
`uv sync` installs it): it boots, plays the demo's incidents, and is gone when the command ends.
"""

import argparse
import csv
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from orgwarden.audit.aws_access import UsageError
from orgwarden.audit.embedded import embedded_or_exit
from orgwarden.audit.episodes import Episode, EpisodeFilter, control_matches
from orgwarden.audit.queries import find_episodes
from orgwarden.audit.rows import (
    EPISODE_COLUMNS,
    HISTORY_COLUMNS,
    asff,
    episode_row,
    history_row,
    spreadsheet_safe,
)
from orgwarden.model.identifiers import ACCOUNT_ID_PATTERN
from orgwarden.model.spec import Severity, Status
from policies import load_catalogue

OUTPUTS = ("table", "json", "csv", "asff", "ocsf", "security-lake")
DEFAULT_SINCE = "365d"
DEFAULT_STACK = "orgwarden-dev"
_SINCE = re.compile(r"^(\d+)([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


# ---------------------------------------------------------------- argument types (exit 2)


def since(text: str) -> timedelta:
    match = _SINCE.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: use a positive number and h, d or w (e.g. 365d)"
        )
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def moment(text: str) -> datetime:
    """An ISO date (its first instant) or date-time; without a zone it is UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date or date-time (e.g. 2026-01-31 or 2026-01-31T08:00Z)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def moment_to(text: str) -> datetime:
    """Like `moment`, but a bare date means up to the end of that day."""
    parsed = moment(text)
    try:
        date.fromisoformat(text)
    except ValueError:
        return parsed
    return parsed + timedelta(days=1) - timedelta(microseconds=1)


def account_id(text: str) -> str:
    if not re.fullmatch(ACCOUNT_ID_PATTERN, text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a 12-digit AWS account id")
    return text


def rule_id(text: str) -> str:
    rules = load_catalogue().rules
    if text not in rules:
        from difflib import get_close_matches  # noqa: PLC0415

        near = get_close_matches(text, sorted(rules), n=1, cutoff=0.6)
        if near:
            raise argparse.ArgumentTypeError(
                f"no rule {text!r} in the catalogue; did you mean {near[0]!r}? "
                "(`orgwarden rules` lists them)"
            )
        known = ", ".join(sorted(rules))
        raise argparse.ArgumentTypeError(f"no rule {text!r} in the catalogue (rules: {known})")
    return text


def control(text: str) -> str:
    controls = {c for r in load_catalogue().rules.values() for c in r.spec.related_requirements()}
    if not any(control_matches(text, [c]) for c in controls):
        known = ", ".join(sorted(controls))
        raise argparse.ArgumentTypeError(
            f"no rule maps to control {text!r} (controls: {known}); "
            "give it as 'aws-fsbp S3.2' or 'S3.2'"
        )
    return text


def source_name(text: str) -> str:
    from orgwarden.audit.security_lake import check_source_name  # noqa: PLC0415 - pyarrow

    try:
        return check_source_name(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def choice_of(values: Sequence[str], what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        wanted = text.upper().replace("-", "_")
        if wanted not in values:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a {what} (one of: {', '.join(values)})"
            )
        return wanted

    return parse


def add_parser(commands: Any) -> None:
    findings = commands.add_parser(
        "findings",
        help="query the evidence: episodes of non-compliance, who caused them, who fixed them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _source_options(findings)
    _output_option(findings)
    lake = findings.add_argument_group("--output security-lake")
    lake.add_argument(
        "--out",
        type=Path,
        help="the directory standing for the lake's bucket: objects go below "
        "ext/<source name>/region=.../accountId=.../eventDay=.../ (copy it with "
        "`aws s3 cp --recursive DIR s3://<lake bucket>/`)",
    )
    lake.add_argument(
        "--source-name",
        type=source_name,
        default="orgwarden",
        help="the Security Lake custom source's name (default orgwarden)",
    )
    add_filters(findings)

    actions = findings.add_subparsers(dest="action", metavar="{show}")
    show = actions.add_parser("show", help="one finding's full history")
    show.add_argument("finding_id")
    _source_options(show, suppress=True)
    _output_option(show, suppress=True)


def add_filters(parser: argparse.ArgumentParser) -> None:
    """The filters `findings` and `report` share."""
    filters = parser.add_argument_group("filters (repeat an option to allow several values)")
    filters.add_argument("--account", action="append", type=account_id, default=[])
    filters.add_argument(
        "--ou",
        action="append",
        default=[],
        help="an OU id, path (Workloads/Prod) or unique name; its accounts and those below it",
    )
    filters.add_argument(
        "--resource-region",
        action="append",
        default=[],
        help="the finding's region (--region is the AWS CLI's: where the table is)",
    )
    filters.add_argument("--rule", action="append", type=rule_id, default=[])
    filters.add_argument(
        "--control", action="append", type=control, default=[], help="e.g. 'aws-fsbp S3.2' or S3.2"
    )
    filters.add_argument(
        "--severity", action="append", type=choice_of(list(Severity), "severity"), default=[]
    )
    filters.add_argument(
        "--status",
        action="append",
        type=choice_of(list(Status), "status"),
        default=[],
        help="FAILED or WARNING: still open; PASSED or NOT_APPLICABLE: how it was closed",
    )
    filters.add_argument("--resource", action="append", default=[], help="a resource id")
    window = filters.add_mutually_exclusive_group()
    window.add_argument(
        "--since",
        type=since,
        help=f"a duration back from now, e.g. 365d, 12w, 48h (default {DEFAULT_SINCE})",
    )
    window.add_argument("--from", dest="start", type=moment, help="ISO date or date-time")
    filters.add_argument(
        "--to", dest="end", type=moment_to, help="ISO date (inclusive) or date-time"
    )


def _source_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    add_source_options(parser, suppress=suppress)


def add_source_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    """Where the evidence is: a deployed stack (the default) or, with --demo, the simulated
    organization."""
    # `show` repeats the options so they may follow it; SUPPRESS keeps its defaults from
    # overwriting values given before it.
    default: Any = argparse.SUPPRESS if suppress else None
    group = parser.add_argument_group(
        "where the evidence is (a deployed stack; --demo: the simulated organization)"
    )
    group.add_argument(
        "--profile", default=default, help="AWS named profile (default: AWS_PROFILE, if set)"
    )
    group.add_argument("--region", default=default, help="AWS region of the central stack")
    group.add_argument("--table-name", default=default, help="the evidence table")
    group.add_argument(
        "--stack-name",
        default=default,
        help=f"read the table from this stack's outputs (default {DEFAULT_STACK})",
    )
    group.add_argument(
        "--demo",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="answer from the simulated organization with the demo's incidents (no AWS "
        "account; needs the orgwarden-harness package, as in a checkout after `uv sync`)",
    )


def _output_option(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    parser.add_argument(
        "--output",
        "-o",
        choices=OUTPUTS,
        default=argparse.SUPPRESS if suppress else "table",
        help="table (default), json, csv, asff (Security Hub's finding format), ocsf "
        "(OCSF 1.5.0 Compliance Findings, one per episode) or security-lake (those findings "
        "in Parquet, laid out as an Amazon Security Lake custom source, in --out)",
    )


# ---------------------------------------------------------------- where the evidence is


@dataclass
class EvidenceSource:
    store: Any  # EvidenceStore
    organizations: Any  # an Organizations client (for --ou)
    description: str


@contextmanager
def open_source(args: argparse.Namespace) -> Iterator[EvidenceSource]:
    """The deployed stack's evidence, or the simulated organization's with --demo (never one
    in place of the other)."""
    if getattr(args, "demo", False):
        given = [
            f"--{name.replace('_', '-')}"
            for name in ("profile", "region", "table_name", "stack_name")
            if getattr(args, name, None)
        ]
        if given:
            raise UsageError(
                f"--demo reads the simulated organization: it takes no {', '.join(given)}"
            )
        with embedded_or_exit().evidence_source() as source:
            yield source
        return
    yield _aws_source(args)


def _aws_source(args: argparse.Namespace) -> EvidenceSource:
    from orgwarden.audit.aws_access import session as aws_session  # noqa: PLC0415
    from orgwarden.aws.audit_lookups import stack_output  # noqa: PLC0415
    from orgwarden.aws.evidence_store import EvidenceStore  # noqa: PLC0415
    from orgwarden.aws.sessions import client_config  # noqa: PLC0415

    session = aws_session(args.profile, args.region)
    config = client_config()
    table = args.table_name or stack_output(
        session.client("cloudformation", config=config),
        args.stack_name or DEFAULT_STACK,
        "EvidenceTableName",
    )
    return EvidenceSource(
        store=EvidenceStore(session.client("dynamodb", config=config), table),
        organizations=session.client("organizations", config=config),
        description=f"table {table}",
    )


# ---------------------------------------------------------------- the commands


def run(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO,
    source: EvidenceSource | None = None,
) -> int:
    """Answer one `findings` command; `source` overrides where the evidence is read from."""
    from orgwarden.aws.audit_lookups import NameNotResolved  # noqa: PLC0415

    now = datetime.now(UTC)
    start, end = _window(args, now)
    mistake = _lake_target_mistake(args)
    if start > end:
        mistake = f"the time range starts ({start}) after it ends ({end})"
    if mistake:
        err.write(f"orgwarden findings: error: {mistake}\n")
        return 2
    try:
        with _given(source) if source else open_source(args) as opened:
            if getattr(args, "demo", False):
                err.write(f"orgwarden findings: reading {opened.description}\n")
            if args.action == "show":
                return _show(args, opened, out, err)
            # The demo's evidence is made while the source opens: the range ends after it.
            now = datetime.now(UTC)
            start, end = _window(args, now)
            wanted = _filter(args, opened, start, end)
            rules = sorted(wanted.rules) or _rules_for(wanted.controls)
            with _progress(err) as progress:
                found = find_episodes(opened.store, wanted, rules, now=now, progress=progress)
            if args.output == "security-lake":
                return _write_lake(found, now, args.out, args.source_name, out)
            names = _account_names(opened) if args.output == "asff" else {}
            _write_episodes(args.output, found, now, out, names)
            return 0
    except (NameNotResolved, UsageError) as error:
        err.write(f"orgwarden findings: error: {error}\n")
        return 2


def _lake_target_mistake(args: argparse.Namespace) -> str | None:
    if args.output != "security-lake" or args.action == "show":
        return None
    if args.out is None:
        return "--output security-lake needs --out DIR"
    if args.out.exists() and not args.out.is_dir():
        return f"{args.out} exists and is not a directory"
    return None


@contextmanager
def _given(source: EvidenceSource) -> Iterator[EvidenceSource]:
    yield source


def _window(args: argparse.Namespace, now: datetime) -> tuple[datetime, datetime]:
    end: datetime = args.end or now
    if args.start:
        return args.start, end
    return end - (args.since or since(DEFAULT_SINCE)), end


def _filter(
    args: argparse.Namespace, source: EvidenceSource, start: datetime, end: datetime
) -> EpisodeFilter:
    from orgwarden.aws.audit_lookups import accounts_under, resolve_ou  # noqa: PLC0415

    accounts = set(args.account)
    for ou in args.ou:
        accounts |= accounts_under(source.organizations, resolve_ou(source.organizations, ou).id)
    return EpisodeFilter(
        start=start,
        end=end,
        rules=frozenset(args.rule),
        controls=tuple(args.control),
        accounts=frozenset(accounts),
        regions=frozenset(args.resource_region),
        severities=frozenset(Severity(s) for s in args.severity),
        statuses=frozenset(Status(s) for s in args.status),
        resource_ids=frozenset(args.resource),
    )


def _rules_for(controls: tuple[str, ...]) -> list[str]:
    rules = load_catalogue().rules.values()
    return sorted(
        r.spec.id
        for r in rules
        if not controls or any(control_matches(c, r.spec.related_requirements()) for c in controls)
    )


@contextmanager
def _progress(err: TextIO) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not err.isatty():
        yield None
        return
    from rich.console import Console  # noqa: PLC0415
    from rich.progress import Progress  # noqa: PLC0415

    with Progress(console=Console(file=err), transient=True) as bar:
        task = bar.add_task("querying evidence partitions", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _show(args: argparse.Namespace, source: EvidenceSource, out: TextIO, err: TextIO) -> int:
    records = source.store.history(args.finding_id)
    if not records:
        err.write(f"orgwarden findings show: no evidence for finding {args.finding_id!r}\n")
        return 1
    if args.output == "security-lake":
        raise UsageError(
            "`findings show` prints one finding: --output security-lake exports "
            "episodes, without `show`"
        )
    if args.output == "json":
        json.dump([json.loads(r.model_dump_json()) for r in records], out, indent=2)
        out.write("\n")
    elif args.output == "csv":
        _write_csv(out, HISTORY_COLUMNS, [history_row(r) for r in records])
    elif args.output == "ocsf":
        from orgwarden.audit.episodes import episodes_from_history  # noqa: PLC0415
        from orgwarden.audit.ocsf import compliance_findings  # noqa: PLC0415

        specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
        now = datetime.now(UTC)
        json.dump(compliance_findings(episodes_from_history(records), specs, now), out, indent=2)
        out.write("\n")
    elif args.output == "asff":
        specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
        first = records[0].observed_at
        json.dump({"Findings": asff([(records[-1], first)], specs)}, out, indent=2)
        out.write("\n")
    else:
        _history_table(args.finding_id, records, out)
    return 0


# ---------------------------------------------------------------- output


def _account_names(source: EvidenceSource) -> dict[str, str]:
    """Account names from Organizations; none when it cannot be read (ids stand alone)."""
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    from orgwarden.aws.audit_lookups import account_directory  # noqa: PLC0415

    try:
        return {a.id: a.name for a in account_directory(source.organizations).values() if a.name}
    except (ClientError, BotoCoreError):
        return {}


def _write_episodes(
    output: str,
    found: list[Episode],
    now: datetime,
    out: TextIO,
    account_names: dict[str, str] | None = None,
) -> None:
    rows = [episode_row(e, now) for e in found]
    if output == "json":
        json.dump(rows, out, indent=2)
        out.write("\n")
    elif output == "csv":
        _write_csv(out, EPISODE_COLUMNS, rows)
    elif output == "ocsf":
        from orgwarden.audit.ocsf import compliance_findings  # noqa: PLC0415 - py-ocsf-models

        specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
        json.dump(compliance_findings(found, specs, now), out, indent=2)
        out.write("\n")
    elif output == "asff":
        specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
        latest: dict[str, tuple[Any, datetime]] = {}
        for e in found:
            known = latest.get(e.finding_id)
            first = min(e.opened_at, known[1]) if known else e.opened_at
            newest = (
                e.latest if not known or e.latest.observed_at > known[0].observed_at else known[0]
            )
            latest[e.finding_id] = (newest, first)
        json.dump({"Findings": asff(latest.values(), specs, account_names)}, out, indent=2)
        out.write("\n")
    else:
        _episode_table(rows, out)


def _write_lake(
    found: list[Episode], now: datetime, directory: Path, source: str, out: TextIO
) -> int:
    from orgwarden.audit.ocsf import compliance_findings  # noqa: PLC0415 - py-ocsf-models
    from orgwarden.audit.security_lake import EVENT_CLASS, planned, write  # noqa: PLC0415

    specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
    findings = compliance_findings(found, specs, now)
    files = planned(findings, directory, source, now)
    try:
        written = write(files)
    except FileExistsError as error:
        raise UsageError(f"{error.filename} exists: orgwarden never replaces an object") from None
    out.write(
        f"{len(findings)} OCSF Compliance Findings ({EVENT_CLASS}) in {len(written)} Parquet "
        f"objects below {directory}\n"
    )
    for path in written:
        out.write(f"  {path.relative_to(directory)}  ({len(files[path])})\n")
    return 0


def _write_csv(out: TextIO, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: spreadsheet_safe(";".join(v) if isinstance(v, list) else v) for k, v in row.items()}
        )


def _console(out: TextIO) -> Any:
    from rich.console import Console  # noqa: PLC0415

    # A terminal uses its own width; a file or pipe gets COLUMNS, else 80 (long values fold).
    width = None if out.isatty() else int(os.environ.get("COLUMNS", "0") or 0) or 80
    return Console(file=out, width=width, soft_wrap=False)


def _literal(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its text escaped for rich: values come from the evidence, which holds what
    account administrators wrote (tag values, names, reasons), and `[bold]` or `[link=...]` in
    them must print as written, not style the table or hide a link."""
    from rich.markup import escape  # noqa: PLC0415

    return {
        k: escape(v) if isinstance(v, str) else [escape(x) for x in v] if isinstance(v, list) else v
        for k, v in row.items()
    }


# Below this width (80 columns, a pipe) episodes print as blocks of lines, not a table: an ARN
# stays whole on a line of its own.
TABLE_MIN_WIDTH = 120
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(value: Any) -> str:
    """Evidence text for a terminal: control characters (escape sequences that could rewrite
    the screen or a link) shown as `?`. Account administrators write tag values and names."""
    return _CONTROL_CHARACTERS.sub("?", str(value))


def _episode_blocks(rows: list[dict[str, Any]], out: TextIO) -> None:
    out.write(f"{len(rows)} episode(s) of non-compliance\n")
    for row in rows:
        p = {k: printable(v) if v is not None else "" for k, v in row.items() if k != "controls"}
        lines = [
            "",
            f"{p['resource_id']}",
            f"  {p['account_id']} {p['region']}  {p['rule_id']}  {p['severity']}",
            f"  controls: {printable(', '.join(row['controls'])) or '-'}",
            f"  opened {p['opened_at']} by",
            f"    {p['opened_by'] or 'unknown (found by a sweep)'}",
        ]
        if p["opened_from_ip"]:
            lines.append(f"    from {p['opened_from_ip']}")
        if p["opened_event_id"]:
            lines.append(f"    {p['opened_event_name']} {p['opened_event_id']}")
        if row["closed_at"]:
            lines += [
                f"  closed {p['closed_at']} by",
                f"    {p['closed_by'] or 'a sweep found it fixed'}",
            ]
            if row["closed_how"] == "remediated":
                lines.append(f"    orgwarden {p['closed_mode']}: {p['closed_remediation']}")
            if p["closed_from_ip"]:
                lines.append(f"    from {p['closed_from_ip']}")
            if p["closed_event_id"]:
                lines.append(f"    {p['closed_event_name']} {p['closed_event_id']}")
            if row["closed_how"] == "resource-gone":
                lines.append("    the resource is gone")
            lines.append(f"  open for {p['open_for']}")
        else:
            lines.append(f"  still open ({p['status']}) for {p['open_for']} so far")
        out.write("\n".join(lines) + "\n")


def _episode_table(rows: list[dict[str, Any]], out: TextIO) -> None:
    from rich.table import Table  # noqa: PLC0415

    console = _console(out)
    if console.width < TABLE_MIN_WIDTH:
        _episode_blocks(rows, out)
        return

    table = Table(title=f"{len(rows)} episode(s) of non-compliance", show_lines=True)
    for name in ("Finding", "Made non-compliant", "Closed", "Open for"):
        table.add_column(name, overflow="fold")
    for row in map(_literal, rows):
        opened = [row["opened_at"], row["opened_by"] or "unknown (found by a sweep)"]
        if row["opened_from_ip"]:
            opened.append(f"from {row['opened_from_ip']}")
        if row["opened_event_id"]:
            opened.append(f"{row['opened_event_name']} {row['opened_event_id']}")
        if row["closed_at"]:
            closed = [row["closed_at"], row["closed_by"] or "found fixed by a sweep"]
            if row["closed_how"] == "remediated":
                closed.append(f"orgwarden {row['closed_mode']}: {row['closed_remediation']}")
            if row["closed_from_ip"]:
                closed.append(f"from {row['closed_from_ip']}")
            if row["closed_event_id"]:
                closed.append(f"{row['closed_event_name']} {row['closed_event_id']}")
            if row["closed_how"] == "resource-gone":
                closed.append("the resource is gone")
            lasted = row["open_for"]
        else:
            closed = [f"[bold red]still open ({row['status']})[/]"]
            lasted = f"{row['open_for']} so far"
        table.add_row(
            f"{row['resource_id']}\n{row['account_id']} {row['region']}\n{row['rule_id']}"
            f"\n{', '.join(row['controls'])} {row['severity']}",
            "\n".join(opened),
            "\n".join(closed),
            lasted,
        )
    console.print(table)


def _history_blocks(finding_id: str, records: list[Any], out: TextIO) -> None:
    out.write(f"{printable(finding_id)}: {len(records)} evaluation(s)\n")
    for record in records:
        row = {k: printable(v) if v is not None else "" for k, v in history_row(record).items()}
        lines = [
            "",
            row["observed_at"],
            f"  verdict {row['detected_status']} -> {row['status']}",
            f"    {row['detected_reason']}",
        ]
        if row["status"] != row["detected_status"]:
            lines.append(f"    now: {row['reason']}")
        if row["cause_event_id"]:
            lines += [
                f"  cause {row['cause_event_name']} at {row['cause_event_time']}",
                f"    by {row['cause_principal']}",
                f"    from {row['cause_source_ip']}",
                f"    event {row['cause_event_id']}",
            ]
        else:
            lines.append("  cause: periodic sweep")
        if row["action_remediation"]:
            lines.append(
                f"  action {row['action_remediation']} [{row['action_mode']}] -> "
                f"{row['action_outcome']}"
            )
            lines.append(f"    as {row['action_actor'] or '-'}")
            if row["action_finished_at"]:
                lines.append(f"    at {row['action_finished_at']}")
        out.write("\n".join(lines) + "\n")


def _history_table(finding_id: str, records: list[Any], out: TextIO) -> None:
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = _console(out)
    if console.width < TABLE_MIN_WIDTH:
        _history_blocks(finding_id, records, out)
        return

    title = f"{escape(finding_id)}: {len(records)} evaluation(s)"
    table = Table(title=title, show_lines=True)
    for name in ("Observed", "Verdict", "Cause", "Action"):
        table.add_column(name, overflow="fold")
    for record in records:
        row = _literal(history_row(record))
        verdict = f"{row['detected_status']} -> {row['status']}\n{row['detected_reason']}"
        if row["status"] != row["detected_status"]:
            verdict += f"\nnow: {row['reason']}"
        cause = (
            f"{row['cause_event_name']} at {row['cause_event_time']}\nby {row['cause_principal']}"
            f"\nfrom {row['cause_source_ip']}\nevent {row['cause_event_id']}"
            if row["cause_event_id"]
            else "periodic sweep"
        )
        action = (
            f"{row['action_remediation']} \\[{row['action_mode']}] -> {row['action_outcome']}"
            f"\nas {row['action_actor'] or '-'}"
            + (f"\nat {row['action_finished_at']}" if row["action_finished_at"] else "")
            if row["action_remediation"]
            else "-"
        )
        table.add_row(row["observed_at"], verdict, cause, action)
    console.print(table)
