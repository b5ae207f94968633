"""Who made a change, parsed from the ARNs CloudTrail records, never matched as a substring.

The loop guard ("orgwarden made this change") and break-glass ("a responder made it") decide
whether orgwarden answers a change, so an administrator of a member account wants either to say
yes for their own change. Both therefore look at one thing: the IAM identity behind the call,
parsed from its ARN by field (`arn:partition:service:region:account:resource`).

- An assumed-role session (`arn:aws:sts::111122223333:assumed-role/Name/session`) is the role
  CloudTrail names as the session's issuer (`sessionContext.sessionIssuer.arn`, which carries
  the role's path). The session ARN carries no path, so without the issuer, or with an issuer of
  another account or name, the identity is unknown.
- An IAM user or role ARN is itself; root is the account's root.

IAM paths may hold any printable ASCII character, colons and `role/` included
(`arn:aws:iam::111122223333:user/x:role/OrgwardenRemediation` is a user), which is why the
resource part is split from the fixed fields first and then read by its leading type.
"""

import re
from dataclasses import dataclass
from typing import Literal

from orgwarden.model.identifiers import ACCOUNT_ID_PATTERN, PARTITION_PATTERN

Kind = Literal["role", "user", "root"]

# Break-glass patterns: an IAM role or user ARN, `*` and `?` allowed (see `ArnPattern`).
BREAK_GLASS_PATTERN = r"^arn:(\*|aws[a-z-]*):iam::(\*|\d{12}):(role|user)/[\x21-\x7e]+$"


@dataclass(frozen=True)
class Identity:
    """The IAM identity behind a call."""

    kind: Kind
    partition: str
    account: str
    path: str  # "/" or "/a/b/"; "" for root
    name: str  # "" for root

    @property
    def arn(self) -> str:
        """The identity's IAM ARN, with its path (`arn:aws:iam::111122223333:role/a/Name`)."""
        if self.kind == "root":
            return f"arn:{self.partition}:iam::{self.account}:root"
        return f"arn:{self.partition}:iam::{self.account}:{self.kind}{self.path}{self.name}"


def _fields(arn: str) -> tuple[str, str, str, str, str] | None:
    """(partition, service, region, account, resource) of a well-formed ARN, else None."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    _, partition, service, region, account, resource = parts
    if not re.match(PARTITION_PATTERN, partition) or not re.match(ACCOUNT_ID_PATTERN, account):
        return None
    return partition, service, region, account, resource


def _iam_identity(arn: str) -> Identity | None:
    """An IAM user, role or root ARN, parsed; None for anything else."""
    fields = _fields(arn)
    if fields is None:
        return None
    partition, service, region, account, resource = fields
    if service != "iam" or region:
        return None
    if resource == "root":
        return Identity("root", partition, account, "", "")
    kind, _, rest = resource.partition("/")
    if kind not in ("role", "user") or not rest:
        return None
    path, _, name = ("/" + rest).rpartition("/")
    if not name:
        return None
    return Identity(kind, partition, account, path + "/", name)  # type: ignore[arg-type]


def identity_of(principal_arn: str | None, issuer_arn: str | None = None) -> Identity | None:
    """The IAM identity behind a CloudTrail `userIdentity`: its `arn`, and for an assumed role
    its session issuer's ARN. None when it cannot be established from the two."""
    if not principal_arn:
        return None
    fields = _fields(principal_arn)
    if fields is None:
        return None
    partition, service, region, account, resource = fields
    if service == "sts" and not region:
        kind, _, rest = resource.partition("/")
        role_name, _, session = rest.partition("/")
        if kind != "assumed-role" or not role_name or not session or not issuer_arn:
            return None
        issuer = _iam_identity(issuer_arn)
        if (
            issuer is None
            or issuer.kind != "role"
            or (issuer.partition, issuer.account, issuer.name) != (partition, account, role_name)
        ):
            return None
        return issuer
    return _iam_identity(principal_arn)


def _segment(text: str) -> str:
    """A pattern's wildcards as a regex that never crosses `/` (nor `:` in the fixed fields)."""
    return "".join(
        "[^/:]*" if char == "*" else "[^/:]" if char == "?" else re.escape(char) for char in text
    )


@dataclass(frozen=True)
class ArnPattern:
    """A break-glass pattern: an IAM role or user ARN with `*` and `?` wildcards.

    A wildcard never crosses a `/`, so `role/OrgwardenBreakGlass*` matches roles of that name at
    the root path only, not a role at the path `/OrgwardenBreakGlass-x/`; name a path to allow
    one (`role/emergency/*`). A pattern whose account field is a wildcard matches identities of
    the resource's own account only: name the account to trust a responder from another.
    """

    text: str

    def __post_init__(self) -> None:
        if not re.match(BREAK_GLASS_PATTERN, self.text):
            raise ValueError(
                f"break-glass pattern {self.text!r} is not an IAM role or user ARN pattern "
                "(arn:aws:iam::<account or *>:role/<path>/<name>; a session ARN "
                "arn:aws:sts::...:assumed-role/... carries no path and is not accepted)"
            )

    @property
    def names_account(self) -> bool:
        return self.text.split(":")[4] != "*"

    def matches(self, identity: Identity, resource_account: str) -> bool:
        if not self.names_account and identity.account != resource_account:
            return False
        return re.fullmatch(_segment(self.text), identity.arn) is not None
