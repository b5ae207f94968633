"""Organizations and CloudFormation look-ups for the auditor's CLI."""

import json
from dataclasses import dataclass
from typing import Any


class NameNotResolved(Exception):
    """A name the auditor gave does not resolve (OU, stack output)."""


@dataclass(frozen=True)
class OrganizationalUnit:
    id: str
    path: str  # names from the root, e.g. Workloads/Prod


def organizational_units(organizations: Any) -> list[OrganizationalUnit]:
    """Every OU of the organization with its path of names from the root."""
    found: list[OrganizationalUnit] = []
    roots = organizations.get_paginator("list_roots").paginate()
    pending = [(root["Id"], "") for page in roots for root in page["Roots"]]
    while pending:
        parent, prefix = pending.pop()
        pages = organizations.get_paginator("list_organizational_units_for_parent").paginate(
            ParentId=parent
        )
        for page in pages:
            for unit in page["OrganizationalUnits"]:
                path = f"{prefix}{unit['Name']}"
                found.append(OrganizationalUnit(unit["Id"], path))
                pending.append((unit["Id"], f"{path}/"))
    return found


def resolve_ou(organizations: Any, wanted: str) -> OrganizationalUnit:
    """An OU by id (ou-...), path (Workloads/Prod) or name (Prod, when it is unique)."""
    units = organizational_units(organizations)
    matches = [u for u in units if wanted in (u.id, u.path)] or [
        u for u in units if u.path.rsplit("/", 1)[-1] == wanted
    ]
    if not matches:
        known = ", ".join(sorted(u.path for u in units)) or "none"
        raise NameNotResolved(f"no OU {wanted!r} in the organization (OUs: {known})")
    if len(matches) > 1:
        paths = ", ".join(sorted(u.path for u in matches))
        raise NameNotResolved(f"OU name {wanted!r} is ambiguous: {paths}; give its path or id")
    return matches[0]


def accounts_under(organizations: Any, ou_id: str) -> set[str]:
    """The ids of every account in an OU and the OUs below it."""
    accounts: set[str] = set()
    pending = [ou_id]
    while pending:
        parent = pending.pop()
        for page in organizations.get_paginator("list_accounts_for_parent").paginate(
            ParentId=parent
        ):
            accounts |= {a["Id"] for a in page["Accounts"]}
        for page in organizations.get_paginator("list_organizational_units_for_parent").paginate(
            ParentId=parent
        ):
            pending += [u["Id"] for u in page["OrganizationalUnits"]]
    return accounts


def stack_output(cloudformation: Any, stack_name: str, key: str) -> str:
    """One output of a deployed stack, e.g. the evidence table's name."""
    for output in _stack(cloudformation, stack_name).get("Outputs", []):
        if output["OutputKey"] == key:
            value: str = output["OutputValue"]
            return value
    raise NameNotResolved(f"stack {stack_name!r} has no output {key}")


# The evaluator's settings a deployed stack holds: the tables from its outputs, the rest from
# the parameters the template passes to the evaluator's environment (ORGWARDEN_*).
SETTING_OUTPUTS = {
    "evidence_table": "EvidenceTableName",
    "idempotency_table": "IdempotencyTableName",
    "control_table": "ControlTableName",
}
SETTING_PARAMETERS = {
    "organization_id": "OrganizationId",
    "organization_role_arn": "OrganizationReadRoleArn",
    "read_role_name": "ReadRoleName",
    "remediation_role_name": "RemediationRoleName",
    "finding_writer_role_name": "FindingWriterRoleName",
    "modes": "DefaultModes",
    "break_glass": "BreakGlassPrincipals",
    "guardduty_administrator_account": "GuardDutyAdministratorAccountId",
}
JSON_PARAMETERS = {"DefaultModes", "BreakGlassPrincipals"}


def stack_settings(cloudformation: Any, stack_name: str) -> dict[str, Any]:
    """The evaluator's settings of a deployed stack, as keyword arguments of `Settings`.

    A parameter left empty (OrganizationReadRoleArn) is left out, as the template leaves its
    variable out; a missing output is an error naming it (a stack deployed before it had one).
    """
    stack = _stack(cloudformation, stack_name)
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    parameters = {
        p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])
    }
    missing = [key for key in SETTING_OUTPUTS.values() if key not in outputs]
    if missing:
        raise NameNotResolved(
            f"stack {stack_name!r} has no output {', '.join(missing)}: update the stack "
            "with this version's template"
        )
    found: dict[str, Any] = {name: outputs[key] for name, key in SETTING_OUTPUTS.items()}
    for name, key in SETTING_PARAMETERS.items():
        value = parameters.get(key, "")
        if value == "":
            continue
        if key in JSON_PARAMETERS:
            try:
                found[name] = json.loads(value)
            except ValueError as error:
                raise NameNotResolved(
                    f"stack {stack_name!r}: parameter {key} is not JSON: {error}"
                ) from None
        else:
            found[name] = value
    return found


def _stack(cloudformation: Any, stack_name: str) -> dict[str, Any]:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise NameNotResolved(
            f"stack {stack_name!r}: {error.response['Error']['Message']}"
        ) from error
    stack: dict[str, Any] = stacks[0]
    return stack


@dataclass(frozen=True)
class AccountEntry:
    id: str
    name: str
    status: str
    ou: str  # the OU's path from the root; "" for an account directly under the root


def account_directory(organizations: Any) -> dict[str, AccountEntry]:
    """Every account of the organization with its name, status and OU path."""
    found: dict[str, AccountEntry] = {}
    parents = [
        ("", root["Id"])
        for page in organizations.get_paginator("list_roots").paginate()
        for root in page["Roots"]
    ]
    parents += [(u.path, u.id) for u in organizational_units(organizations)]
    for path, parent in parents:
        for page in organizations.get_paginator("list_accounts_for_parent").paginate(
            ParentId=parent
        ):
            for account in page["Accounts"]:
                found[account["Id"]] = AccountEntry(
                    id=account["Id"],
                    name=account.get("Name", ""),
                    status=account.get("Status", ""),
                    ou=path,
                )
    return found
