"""Which exemption, if any, applies to a (rule, resource) now. Pure.

Two sources, both with an owner and an expiry:
- a central allow-list entry in the policy file (owner, reason, expiry);
- resource tags: `orgwarden:exempt` = `<rule>[,<rule>...]@<YYYY-MM-DD>`, with
  `orgwarden:exempt-owner` (required) and `orgwarden:exempt-reason` (optional) beside it.

An expired or malformed exemption never applies; it is reported, so a lapsed waiver is
visible rather than silently protecting the resource.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from orgwarden.model.evidence import Waiver
from orgwarden.model.policy_file import PolicyFile

TAG_VALUE = re.compile(
    r"^\s*(?P<rules>[a-z0-9_]+(?:\s*,\s*[a-z0-9_]+)*)\s*@\s*(?P<expires>\d{4}-\d{2}-\d{2})\s*$"
)


@dataclass(frozen=True)
class ExemptionCheck:
    active: Waiver | None
    problems: tuple[str, ...] = ()  # expired or malformed exemptions, for the record


def find_exemption(
    policy: PolicyFile,
    rule_id: str,
    *,
    account_id: str,
    resource_id: str,
    tags: Mapping[str, str],
    today: date,
) -> ExemptionCheck:
    problems: list[str] = []
    candidates: list[Waiver] = []
    for entry in policy.exemptions:
        if rule_id in entry.rules and entry.account == account_id and entry.resource == resource_id:
            waiver = Waiver(
                source="allow-list", owner=entry.owner, reason=entry.reason, expires=entry.expires
            )
            candidates.append(waiver)
    tag_waiver, tag_problem = _from_tags(policy.exemption_tag, rule_id, tags)
    if tag_waiver:
        candidates.append(tag_waiver)
    if tag_problem:
        problems.append(tag_problem)
    active = None
    for waiver in candidates:
        if waiver.expires < today:
            problems.append(
                f"{waiver.source} exemption (owner {waiver.owner}) expired on "
                f"{waiver.expires.isoformat()} and no longer applies"
            )
        elif active is None or waiver.expires > active.expires:
            active = waiver
    return ExemptionCheck(active=active, problems=tuple(problems))


def _from_tags(key: str, rule_id: str, tags: Mapping[str, str]) -> tuple[Waiver | None, str | None]:
    value = tags.get(key)
    if value is None:
        return None, None
    match = TAG_VALUE.match(value)
    if not match:
        return None, f"tag {key}={value[:100]!r} is not '<rule>[,<rule>]@YYYY-MM-DD'; ignored"
    rules = {r.strip() for r in match["rules"].split(",")}
    if rule_id not in rules:
        return None, None
    try:
        expires = date.fromisoformat(match["expires"])
    except ValueError:
        return None, f"tag {key} has an invalid date {match['expires']!r}; ignored"
    owner = tags.get(f"{key}-owner", "").strip()
    if not owner:
        return None, f"tag {key} names no owner (tag {key}-owner); ignored"
    reason = tags.get(f"{key}-reason", "").strip() or "exempted by resource tag"
    return Waiver(source="tag", owner=owner, reason=reason, expires=expires), None
