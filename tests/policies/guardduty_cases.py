"""What the GuardDuty rules' test files share (guardduty_ec2_compromise,
guardduty_iam_credential_misuse, guardduty_s3_threat, guardduty_finding_recorded): a finding,
refs in the member account, the decision in enforce mode and the routing of a real finding."""

import json
from datetime import UTC, datetime
from typing import Any

from orgwarden.engine.decision import Act, Guards, decide
from orgwarden.engine.evaluator import parse_event
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Verdict
from orgwarden.model.threats import GuardDutyFindingFacts
from policies import load_catalogue
from tests.conftest import EVENTS

ACCOUNT = "111122223333"


def finding(
    severity: float = 8.0, count: int = 1, role: str | None = "ACTOR"
) -> GuardDutyFindingFacts:
    return GuardDutyFindingFacts(
        finding_id="4ec5a1f0b2d3c4e5f6a7b8c9d0e1f2a3",
        finding_type="CryptoCurrency:EC2/BitcoinTool.B!DNS",
        severity=severity,
        title="Bitcoin-related domain name queried",
        count=count,
        resource_role=role,
        created_at=datetime(2026, 11, 21, 5, 20, tzinfo=UTC),
        updated_at=datetime(2026, 11, 21, 5, 33, tzinfo=UTC),
        first_seen=None,
        last_seen=None,
    )


def ref(resource_type: str, resource_id: str) -> ResourceRef:
    return ResourceRef(
        resource_type=resource_type, resource_id=resource_id, account_id=ACCOUNT, region="eu-west-1"
    )


def act_in_enforce(module: Any, verdict: Verdict) -> Act:
    return decide(module.SPEC, verdict, Guards(mode=Mode.ENFORCE)).act


def routes(fixture: str, finding_type: str | None = None) -> dict[str, list[Any]]:
    """The rules a GuardDuty fixture (its type replaced by `finding_type`) reaches, with ids."""
    event, raw = parse_event((EVENTS / "guardduty" / fixture).read_text())
    if finding_type:
        raw["detail"]["type"] = finding_type
        event, raw = parse_event(json.dumps(raw))
    found: dict[str, list[Any]] = {}
    for match in load_catalogue().matches(event, raw["detail"]):
        found.setdefault(match.rule.spec.id, []).append(match.resource_id)
    return found
