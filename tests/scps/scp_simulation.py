"""SCP decisions computed by principalmapper's local policy simulation.

principalmapper follows AWS's documented evaluation order (explicit deny in any policy, then an
Allow needed at every SCP level) and evaluates Null, Bool, String*, Arn* and the other condition
operators; service-linked roles are outside SCPs as in AWS. The principal is given
AdministratorAccess and the target FullAWSAccess beside the SCP under test, so the SCP is the
only thing that can deny.
"""

import collections
import collections.abc
from typing import Any

# principalmapper 1.1.5 (its last release) imports Mapping and MutableMapping from
# `collections`, which Python 3.10 removed; they are the same classes in collections.abc.
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402

from tests.scps.policy_files import Case  # noqa: E402

_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
ADMINISTRATOR_ACCESS = Policy(
    "arn:aws:iam::aws:policy/AdministratorAccess", "AdministratorAccess", _ALLOW_ALL
)
FULL_AWS_ACCESS = Policy(
    "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
    "FullAWSAccess",
    _ALLOW_ALL,
)
_EMPTY_TRUST = {"Version": "2012-10-17", "Statement": []}


def _principal(arn: str) -> Node:
    return Node(
        arn, "AROAEXAMPLEID", [ADMINISTRATOR_ACCESS], [], _EMPTY_TRUST, None, 0, False, True,
        None, False, None,
    )  # fmt: skip


def is_denied(scp: dict[str, Any], case: Case) -> bool:
    """Whether the target's SCPs (FullAWSAccess and `scp`) stop the request."""
    allowed = local_check_authorization_full(
        _principal(case.principal),
        case.action,
        case.resource,
        dict(case.context),
        service_control_policy_groups=[[FULL_AWS_ACCESS, Policy("scp", "scp", scp)]],
    )
    return not allowed


def denying_statements(scp: dict[str, Any], case: Case) -> list[str]:
    """Sids of the statements that deny the request on their own."""
    return [
        statement["Sid"]
        for statement in scp["Statement"]
        if is_denied({"Version": scp["Version"], "Statement": [statement]}, case)
    ]
