"""A small SCP evaluator with AWS's documented semantics, for the policies in scps/.

Why not a library: principalmapper 1.1.5 (last release 2022) compiles resource and ARN patterns
with re.IGNORECASE, so a policy protecting `role/orgwarden*` passes a table that asks for
`role/Orgwarden*`; npkt 1.0.1 and sibyl-aws 0.3.3 lower-case actions, resources and ARNs too.
AWS does not: the IAM User Guide ("IAM JSON policy elements: Resource") says the IAM name in a
resource ARN is case sensitive, and "IAM JSON policy elements: Condition operators" calls
ArnLike a case-sensitive match of the ARN, each colon-delimited component checked separately.

What this evaluates, and nothing more (anything else raises `Unsupported`, so a policy the
evaluator cannot decide fails the suite instead of passing it):
- SCP evaluation (Organizations User Guide, "SCP evaluation"): an explicit Deny in any
  statement wins; otherwise the request needs an Allow in the SCPs of every level. Service-linked
  roles are outside SCPs ("SCPs don't affect service-linked roles").
- Action / NotAction: case-insensitive, `*` and `?` wildcards.
- Resource / NotResource and the Arn* operators: six colon-separated components compared one by
  one, case-sensitively; `*` and `?` stay within a component except in the last (resource)
  component, where `*` also spans `/` and `:`.
- String*, Arn*, Bool, Null, Numeric*; the `IfExists` suffix; `ForAnyValue:` / `ForAllValues:`
  on multi-valued keys (ForAllValues is true when the key is absent, ForAnyValue false). A
  negated operator (StringNotEquals, ArnNotLike, ...) on an absent key is true. Keys inside one
  operator are ANDed, values of one key ORed; condition key names are case-insensitive.
- Policy variables (`${...}`) are not supported.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ContextValue = str | Sequence[str]


class Unsupported(ValueError):
    """The policy uses something this evaluator does not decide."""


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    principal_arn: str
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def values(self, key: str) -> list[str] | None:
        """The request's values for a condition key (names are case-insensitive), None if absent."""
        wanted = key.lower()
        merged = {"aws:principalarn": self.principal_arn}
        merged.update({k.lower(): v for k, v in self.context.items()})  # type: ignore[misc]
        if wanted not in merged:
            return None
        value = merged[wanted]
        return [value] if isinstance(value, str) else list(value)


def _glob(pattern: str, *, span: bool, ignore_case: bool = False) -> re.Pattern[str]:
    if "${" in pattern:
        raise Unsupported(f"policy variables are not evaluated: {pattern}")
    star = ".*" if span else "[^:]*"
    body = "".join(star if c == "*" else ("." if c == "?" else re.escape(c)) for c in pattern)
    return re.compile(f"^{body}$", re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def arn_matches(pattern: str, arn: str) -> bool:
    """AWS ARN matching: component by component, case-sensitive."""
    if pattern == "*":
        return True
    wanted = pattern.split(":", 5)
    actual = arn.split(":", 5)
    if len(wanted) != 6:
        # e.g. "arn:aws:s3:*": a trailing `*` expands over the remaining components.
        if not pattern.endswith("*"):
            return False
        return bool(_glob(pattern, span=True).match(arn))
    if len(actual) != 6:
        return False
    return all(
        _glob(w, span=(i == 5)).match(a) is not None
        for i, (w, a) in enumerate(zip(wanted, actual, strict=True))
    )


def action_matches(pattern: str, action: str) -> bool:
    return bool(_glob(pattern, span=True, ignore_case=True).match(action))


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError as error:
        raise Unsupported(f"not a number: {value}") from error


# operator -> compare(request value, policy value); the negated operators negate these.
_POSITIVE = {
    "StringEquals": lambda a, b: a == b,
    "StringEqualsIgnoreCase": lambda a, b: a.lower() == b.lower(),
    "StringLike": lambda a, b: bool(_glob(b, span=True).match(a)),
    # ArnEquals behaves as ArnLike: both take wildcards.
    "ArnEquals": lambda a, b: arn_matches(b, a),
    "ArnLike": lambda a, b: arn_matches(b, a),
    "Bool": lambda a, b: a.lower() == b.lower(),
    "NumericEquals": lambda a, b: _number(a) == _number(b),
    "NumericLessThan": lambda a, b: _number(a) < _number(b),
    "NumericLessThanEquals": lambda a, b: _number(a) <= _number(b),
    "NumericGreaterThan": lambda a, b: _number(a) > _number(b),
    "NumericGreaterThanEquals": lambda a, b: _number(a) >= _number(b),
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}


def _matches_one(base: str, value: str, wanted: list[str]) -> bool:
    """Whether one request value satisfies the operator against the policy's values."""
    if base in _NEGATED:
        return not any(
            _POSITIVE[_NEGATED[base]](value, w)  # type: ignore[no-untyped-call]
            for w in wanted
        )
    return any(_POSITIVE[base](value, w) for w in wanted)  # type: ignore[no-untyped-call]


def _key_holds(operator: str, key: str, wanted: list[str], request: Request) -> bool:
    set_operator, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    base = base.removesuffix("IfExists")
    values = request.values(key)
    if base == "Null":
        if set_operator or if_exists:
            raise Unsupported(operator)
        (expect,) = wanted
        return (values is None) == (expect.lower() == "true")
    if base not in _POSITIVE and base not in _NEGATED:
        raise Unsupported(f"condition operator {operator}")
    if set_operator == "ForAllValues":
        return values is None or all(_matches_one(base, v, wanted) for v in values)
    if set_operator == "ForAnyValue":
        return values is not None and any(_matches_one(base, v, wanted) for v in values)
    if set_operator:
        raise Unsupported(f"set operator {set_operator}")
    if values is None:
        # Absent key: false, except negated operators (true) and IfExists (true).
        return if_exists or base in _NEGATED
    if len(values) != 1:
        raise Unsupported(f"{key} has several values: qualify {operator} with a set operator")
    return _matches_one(base, values[0], wanted)


def condition_holds(condition: Mapping[str, Mapping[str, Any]], request: Request) -> bool:
    return all(
        _key_holds(operator, key, _listed(wanted), request)
        for operator, keys in condition.items()
        for key, wanted in keys.items()
    )


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Principal" in statement or "NotPrincipal" in statement:
        raise Unsupported("SCPs have no Principal element")
    if "Action" in statement:
        action = any(action_matches(p, request.action) for p in _listed(statement["Action"]))
    else:
        action = not any(action_matches(p, request.action) for p in _listed(statement["NotAction"]))
    if "Resource" in statement:
        resource = any(arn_matches(p, request.resource) for p in _listed(statement["Resource"]))
    else:
        resource = not any(
            arn_matches(p, request.resource) for p in _listed(statement["NotResource"])
        )
    return action and resource and condition_holds(statement.get("Condition", {}), request)


FULL_AWS_ACCESS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def is_service_linked_role(arn: str) -> bool:
    return ":role/aws-service-role/" in arn


def scp_denies(levels: Sequence[Sequence[Mapping[str, Any]]], request: Request) -> bool:
    """Whether SCPs stop the request: `levels` are the policies attached at each level (root,
    OUs, account) of the target."""
    if is_service_linked_role(request.principal_arn):
        return False
    statements = [s for level in levels for policy in level for s in policy["Statement"]]
    if any(s["Effect"] == "Deny" and statement_applies(s, request) for s in statements):
        return True
    return not all(
        any(
            s["Effect"] == "Allow" and statement_applies(s, request)
            for policy in level
            for s in policy["Statement"]
        )
        for level in levels
    )
