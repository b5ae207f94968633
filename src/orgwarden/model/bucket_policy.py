"""What S3 calls a public bucket policy, statement by statement. Pure.

The reference is the S3 User Guide, "Blocking public access to your Amazon S3 storage", section
"The meaning of 'public'": S3 starts from "public" and calls a policy non-public only when it
grants access to fixed values (no wildcard, no policy variable) of a principal or of one of a
short list of condition keys. Here, a statement is public when it allows

- a principal that is not fixed: `"*"`, an `AWS`, `Service` or `CanonicalUser` value with a
  wildcard, any `Federated` principal (the guide's first example of a public policy is
  `{"Federated": "graph.facebook.com"}`), or everyone but a `NotPrincipal`;
- and no condition of the statement confines it. Conditions are ANDed, so one confining clause
  is enough. A clause confines when it requires the request to carry one of the values it names
  for a key of `CONFINING_KEYS`, every value fixed:
  - positive operators only (`StringEquals`, `StringEqualsIgnoreCase`, `StringLike`,
    `ArnEquals`, `ArnLike`; `IpAddress` for `aws:SourceIp`), optionally `ForAnyValue:`;
  - never `...IfExists` nor `ForAllValues:`: both are true when the request lacks the key
    (IAM User Guide, condition operators and set operators), so they confine nothing;
  - never the negated operators nor `Null`: "everyone but X" or "the key is present" names
    nobody;
  - `aws:SourceIp`: a CIDR no broader than /8 for IPv4 and /32 for IPv6 (the guide: values
    broader than these are evaluated as public; 0.0.0.0/1 is its example);
  - `s3:DataAccessPointArn`: a wildcard may stand for the access point name when the partition,
    region and account are fixed (the guide's note on delegating to access points);
  - `aws:userid`: `AROLEID:*` (every session of one role) counts as fixed (the guide: "a fixed
    value of aws:userid outside the pattern AROLEID:*").

Shared by `s3_bucket_public_access` and the S3 reader, which skips the ACL read when the policy
alone already makes the bucket public.
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The guide's list of keys whose fixed values make a statement non-public, lower-cased (IAM
# condition key names are case-insensitive). `aws:PrincipalAccount` and `aws:PrincipalArn` are
# the guide's first item ("an AWS principal, user, role", e.g. aws:PrincipalOrgID) named by key.
CONFINING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:sourceip",
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceowner",
        "aws:sourceaccount",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
        "aws:userid",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    }
)
SOURCE_IP = "aws:sourceip"
STRING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
)
IP_OPERATORS = frozenset({"ipaddress"})
# The broadest aws:SourceIp ranges the guide still calls non-public.
WIDEST_PREFIX = {4: 8, 6: 32}
IPV4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")
ROLE_SESSIONS = re.compile(r"AROA[0-9A-Z]+:\*")
ACCESS_POINT_ARN = re.compile(r"arn:aws[a-z-]*:s3:[a-z0-9-]+:\d{12}:accesspoint/.+")
PRINCIPAL_TYPES = ("AWS", "Service", "CanonicalUser")
READ_PREFIXES = ("s3:get", "s3:list")
WRITE_PREFIXES = ("s3:put", "s3:delete", "s3:abortmultipartupload", "s3:restoreobject")


@dataclass(frozen=True)
class Clause:
    """One condition operator applied to one key, as a policy writes it."""

    operator: str
    key: str
    values: tuple[Any, ...]

    def confines(self) -> bool:
        """True when the request must carry one of `values`, all fixed, for a confining key."""
        key = self.key.lower()
        if key not in CONFINING_KEYS:
            return False
        qualifier, base, if_exists = split_operator(self.operator)
        if if_exists or qualifier == "forallvalues":
            return False
        allowed = IP_OPERATORS if key == SOURCE_IP else STRING_OPERATORS
        if base not in allowed or not self.values:
            return False
        return all(isinstance(v, str) and fixed_value(key, v) for v in self.values)


def split_operator(operator: str) -> tuple[str, str, bool]:
    """(`forallvalues`/`foranyvalue`/"", base operator, IfExists) of a condition operator."""
    op = operator.lower()
    qualifier, _, base = op.rpartition(":")
    if_exists = base.endswith("ifexists")
    return qualifier, base.removesuffix("ifexists"), if_exists


def fixed_value(key: str, value: str) -> bool:
    """Whether one condition value names a fixed caller or network, in the guide's sense."""
    if key == SOURCE_IP:
        return narrow_cidr(value)
    if "${" in value:
        return False
    if "*" not in value and "?" not in value:
        return True
    if key == "aws:userid":
        return ROLE_SESSIONS.fullmatch(value) is not None
    if key == "s3:dataaccesspointarn":
        # The pattern admits no wildcard before `accesspoint/`: only the name may vary.
        return ACCESS_POINT_ARN.fullmatch(value) is not None
    return False


def narrow_cidr(value: str) -> bool:
    """A CIDR no broader than /8 (IPv4) or /32 (IPv6); IPv4-mapped IPv6 is judged as IPv4."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    if isinstance(network, ipaddress.IPv6Network) and network.overlaps(IPV4_MAPPED):
        return network.prefixlen - 96 >= WIDEST_PREFIX[4]
    return network.prefixlen >= WIDEST_PREFIX[network.version]


def clauses(condition: Any) -> list[Clause]:
    """A statement's Condition block as clauses; anything malformed yields no clause."""
    if not isinstance(condition, Mapping):
        return []
    return [
        Clause(str(operator), str(key), tuple(as_list(values)))
        for operator, keys in condition.items()
        if isinstance(keys, Mapping)
        for key, values in keys.items()
    ]


def public_principal(statement: Mapping[str, Any]) -> str | None:
    """The principal that makes a statement public, as written, or None when it is fixed."""
    if "NotPrincipal" in statement:
        return "everyone but NotPrincipal"
    principal = statement.get("Principal")
    if principal is None:
        return None
    if not isinstance(principal, Mapping):
        values = [v for v in as_list(principal) if isinstance(v, str)]
        return next((v for v in values if not _fixed_name(v)), None)
    for kind_, values in principal.items():
        # Federated is never fixed (the guide's first public example); unknown kinds neither.
        open_values = (
            as_list(values)[:1]
            if kind_ not in PRINCIPAL_TYPES
            else [v for v in as_list(values) if not isinstance(v, str) or not _fixed_name(v)]
        )
        if open_values or (kind_ not in PRINCIPAL_TYPES):
            return f"{kind_}:{open_values[0] if open_values else ''}"
    return None


def confining_clause(statement: Mapping[str, Any]) -> Clause | None:
    """The first clause that confines the statement to fixed callers or networks, if any."""
    return next((c for c in clauses(statement.get("Condition")) if c.confines()), None)


def public_statements(policy: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The statements that make a bucket policy public, each with its Sid, principal, actions
    and access kind (read, write or read-write)."""
    if not policy:
        return []
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    found = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, Mapping) or str(statement.get("Effect")).lower() != "allow":
            continue
        principal = public_principal(statement)
        if principal is None or confining_clause(statement) is not None:
            continue
        if "NotAction" in statement:
            actions = [f"all but {a}" for a in as_list(statement["NotAction"])]
            access = kind(read=True, write=True)
        else:
            actions = [a for a in as_list(statement.get("Action")) if isinstance(a, str)]
            access = _access_kind(actions)
        found.append(
            {
                "sid": str(statement.get("Sid") or f"#{index}"),
                "principal": principal,
                "actions": actions,
                "access": access,
            }
        )
    return found


def _fixed_name(value: str) -> bool:
    return "*" not in value and "?" not in value and "${" not in value


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
