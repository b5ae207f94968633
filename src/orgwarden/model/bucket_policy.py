"""Which statements of an S3 bucket policy give the public access, by AWS's meaning of public.

A statement is public when it allows a public principal (`*`, an `AWS` principal with a
wildcard, or `NotPrincipal`) without a condition that fixes who or where the request comes
from: the condition keys and operators below, with fixed values (no wildcard, no policy
variable, no 0.0.0.0/0). Pure; shared by `s3_bucket_public_access` and the S3 reader, which
skips the ACL read when the policy alone already makes the bucket public.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

# Condition keys that, with fixed values, confine a statement to known callers or networks.
RESTRICTING_KEYS = frozenset(
    {
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:userid",
        "aws:sourceip",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    }
)
# Operators whose match confines the request; negated and Null operators confine nothing.
CONFINING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"}
)
READ_PREFIXES = ("s3:get", "s3:list")
WRITE_PREFIXES = ("s3:put", "s3:delete", "s3:abortmultipartupload", "s3:restoreobject")


def public_statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    if not policy:
        return []
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    found = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = _public_principal(statement)
        if principal is None or _confined(statement.get("Condition")):
            continue
        actions = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
        found.append(
            {
                "sid": str(statement.get("Sid") or f"#{index}"),
                "principal": principal,
                "actions": actions,
                "access": _access_kind(actions),
            }
        )
    return found


def _public_principal(statement: Mapping[str, Any]) -> str | None:
    """The public principal a statement allows, or None when the principal is fixed."""
    if "NotPrincipal" in statement:
        return "everyone but NotPrincipal"
    principal = statement.get("Principal")
    if principal == "*":
        return "*"
    if isinstance(principal, Mapping):
        for value in as_list(principal.get("AWS")):
            if isinstance(value, str) and ("*" in value or "?" in value):
                return f"AWS:{value}"
    return None


def _confined(condition: Any) -> bool:
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        op = str(operator).lower()
        op = op.split(":", 1)[1] if ":" in op else op  # ForAnyValue:StringEquals -> stringequals
        if (
            op.endswith("ifexists")
            or op not in CONFINING_OPERATORS
            or not isinstance(clauses, Mapping)
        ):
            continue
        for key, values in clauses.items():
            if str(key).lower() in RESTRICTING_KEYS and _fixed(str(key).lower(), as_list(values)):
                return True
    return False


def _fixed(key: str, values: list[Any]) -> bool:
    if not values or not all(isinstance(v, str) for v in values):
        return False
    if key == "aws:sourceip":
        try:
            return all(ipaddress.ip_network(v, strict=False).prefixlen > 0 for v in values)
        except ValueError:
            return False
    return not any("*" in v or "?" in v or "${" in v for v in values)


def _access_kind(actions: Iterable[str]) -> str:
    lowered = [a.lower() for a in actions]
    everything = any(a in ("*", "s3:*") for a in lowered)
    read = everything or any(a.startswith(READ_PREFIXES) for a in lowered)
    write = everything or any(a.startswith(WRITE_PREFIXES) for a in lowered)
    return kind(read=read or not write, write=write)


def kind(*, read: bool, write: bool) -> str:
    return "read-write" if read and write else "write" if write else "read"


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
