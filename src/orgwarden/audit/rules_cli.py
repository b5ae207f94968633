"""`orgwarden rules`: the catalogue as an auditor reads it.

orgwarden rules                      every rule: id, severity, title, controls
orgwarden rules show s3_bucket_public_access
                                     one rule: what it checks, what triggers it, its fix
                                     and the IAM actions it needs
"""

import argparse
import json
from typing import Any, TextIO

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from policies import load_catalogue


def add_parser(commands: Any) -> None:
    from orgwarden.audit.findings_cli import rule_id  # noqa: PLC0415

    rules = commands.add_parser(
        "rules",
        help="list the catalogue's rules, or show one",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rules.add_argument("--output", "-o", choices=("table", "json"), default="table")
    actions = rules.add_subparsers(dest="action", metavar="{show}")
    show = actions.add_parser("show", help="one rule in full")
    show.add_argument("rule", type=rule_id)
    show.add_argument("--output", "-o", choices=("table", "json"), default=argparse.SUPPRESS)


def describe(rule_id: str) -> dict[str, Any]:
    spec = load_catalogue().rules[rule_id].spec
    fixes = (spec.remediation, *spec.escalations) if spec.remediation else ()
    return {
        "id": spec.id,
        "title": spec.title,
        "severity": spec.severity.value,
        "default_mode": spec.default_mode.value,
        "controls": spec.related_requirements(),
        "triggers": [_trigger(t) for t in spec.triggers],
        "description": spec.description,
        "fix": list(fixes),
        "recommendation": spec.recommendation,
        "recommendation_url": spec.recommendation_url,
        "permissions": {
            "read": sorted(READERS[spec.reads].permissions),
            "fix": sorted({p for name in fixes for p in REMEDIATIONS[name].permissions}),
        },
    }


def _trigger(trigger: Any) -> str:
    fields = trigger.model_dump(exclude={"kind"}, exclude_defaults=True)
    detail = ", ".join(
        f"{key} {' '.join(value) if isinstance(value, list | tuple) else value}"
        for key, value in fields.items()
    )
    return f"{trigger.kind}: {detail}" if detail else trigger.kind


def run(args: argparse.Namespace, out: TextIO) -> int:
    from rich.console import Console  # noqa: PLC0415
    from rich.markup import escape  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    console = Console(file=out, width=None if out.isatty() else 80, soft_wrap=False)
    if getattr(args, "action", None) == "show":
        rule = describe(args.rule)
        if args.output == "json":
            json.dump(rule, out, indent=2)
            out.write("\n")
            return 0
        table = Table(title=escape(rule["id"]), show_header=False, show_lines=True)
        table.add_column("", style="bold")
        table.add_column("", overflow="fold")
        for key in ("title", "severity", "default_mode", "controls", "triggers", "description"):
            value = rule[key]
            table.add_row(key, escape("\n".join(value) if isinstance(value, list) else value))
        table.add_row("fix", escape(", ".join(rule["fix"]) or "none (recommendation only)"))
        table.add_row("recommendation", escape(rule["recommendation"]))
        if rule["recommendation_url"]:
            table.add_row("see", escape(rule["recommendation_url"]))
        table.add_row("read permissions", escape("\n".join(rule["permissions"]["read"])))
        table.add_row("fix permissions", escape("\n".join(rule["permissions"]["fix"]) or "-"))
        console.print(table)
        return 0
    described = [describe(r) for r in sorted(load_catalogue().rules)]
    if args.output == "json":
        json.dump(described, out, indent=2)
        out.write("\n")
        return 0
    table = Table(title=f"{len(described)} rule(s)", show_lines=False)
    table.add_column("rule", overflow="fold")
    table.add_column("severity")
    table.add_column("controls", overflow="fold")
    for rule in described:
        table.add_row(
            escape(rule["id"]) + "\n" + escape(rule["title"]),
            rule["severity"],
            escape("\n".join(rule["controls"]) or "-"),
        )
    console.print(table)
    return 0
