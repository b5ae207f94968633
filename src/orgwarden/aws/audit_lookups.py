"""Organizations and CloudFormation look-ups for the auditor's CLI."""

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
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise NameNotResolved(
            f"stack {stack_name!r}: {error.response['Error']['Message']}"
        ) from error
    for output in stacks[0].get("Outputs", []):
        if output["OutputKey"] == key:
            value: str = output["OutputValue"]
            return value
    raise NameNotResolved(f"stack {stack_name!r} has no output {key}")


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
