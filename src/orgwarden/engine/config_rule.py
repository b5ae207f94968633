"""The AWS Config organization custom rule: required tags with their allowed values, per OU.

Config's managed `required-tags` checks keys (and fixed values) the same everywhere; the tag
policy (`orgwarden.model.policy_file`) allows values and differs per OU. This rule answers Config
with the catalogue's own required-tags rules: a configuration item becomes the rule's
`TaggedResource`, the rule's pure `evaluate` judges it, and the verdict becomes an evaluation.

Config invokes the one central function from every member account; evaluations are put back in
that member account (the `resultToken` ties them to its rule), through a role assumed there.
"""

import json
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orgwarden.model.policy_file import PolicyFile
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import ConfigItem, Status, clip
from orgwarden.model.tags import TaggedResource
from policies.catalogue import Catalogue, Rule

CHANGE = "ConfigurationItemChangeNotification"
OVERSIZED = "OversizedConfigurationItemChangeNotification"
SCHEDULED = "ScheduledNotification"
DELETED_STATUSES = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded"})
# PutEvaluations limits.
EVALUATIONS_PER_CALL = 100
ANNOTATION_LIMIT = 256
# What the function does in a member's Config, through the member stack's config-rule role.
PERMISSIONS = (
    "config:GetResourceConfigHistory",  # oversized and scheduled items
    "config:ListDiscoveredResources",  # scheduled runs
    "config:PutEvaluations",
)

COMPLIANCE = {
    Status.PASSED: "COMPLIANT",
    Status.FAILED: "NON_COMPLIANT",
    Status.WARNING: "NON_COMPLIANT",
    Status.NOT_APPLICABLE: "NOT_APPLICABLE",
    Status.NOT_AVAILABLE: "INSUFFICIENT_DATA",
}


@dataclass(frozen=True)
class TagRule:
    """A catalogue rule judging a TaggedResource, with the Config type it listens to."""

    rule: Rule
    trigger: ConfigItem


def tag_rules(catalogue: Catalogue) -> dict[str, TagRule]:
    """The required-tags rules by Config resource type: those whose input is a TaggedResource."""
    found: dict[str, TagRule] = {}
    for rule in catalogue.rules.values():
        hints = typing.get_type_hints(rule.evaluate)
        if TaggedResource not in [v for k, v in hints.items() if k != "return"]:
            continue
        for trigger in rule.spec.triggers:
            if isinstance(trigger, ConfigItem):
                found[trigger.config_type] = TagRule(rule, trigger)
    return found


def capture_time(item: Mapping[str, Any]) -> datetime:
    """The item's capture time: ISO text in invocation payloads, datetime from boto3."""
    value = item["configurationItemCaptureTime"]
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def evaluation(item: Mapping[str, Any], compliance: str, annotation: str) -> dict[str, Any]:
    return {
        "ComplianceResourceType": item["resourceType"],
        "ComplianceResourceId": item["resourceId"],
        "ComplianceType": compliance,
        "Annotation": clip(annotation, ANNOTATION_LIMIT),
        "OrderingTimestamp": capture_time(item),
    }


def chunks(evaluations: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(evaluations), EVALUATIONS_PER_CALL):
        yield evaluations[start : start + EVALUATIONS_PER_CALL]


class TagComplianceRule:
    """Judges configuration items against the tag policy and answers Config.

    `config_client(account_id, region)` is a Config client in the member account; `ous(account)`
    the account's OUs, innermost first (`Directory.ous`).
    """

    def __init__(
        self,
        catalogue: Catalogue,
        policy: PolicyFile,
        config_client: Callable[[str, str], Any],
        ous: Callable[[str], tuple[str, ...]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._rules = tag_rules(catalogue)
        self._policy = policy
        self._config_client = config_client
        self._ous = ous
        self._clock = clock

    @property
    def resource_types(self) -> list[str]:
        return sorted(self._rules)

    def judge(self, item: Mapping[str, Any], left_scope: bool = False) -> dict[str, Any]:
        """The evaluation of one configuration item."""
        if left_scope:
            return evaluation(item, "NOT_APPLICABLE", "The resource left the rule's scope.")
        status = item.get("configurationItemStatus")
        if status in DELETED_STATUSES:
            return evaluation(item, "NOT_APPLICABLE", f"The resource is gone ({status}).")
        tag_rule = self._rules.get(item["resourceType"])
        if tag_rule is None:
            return evaluation(
                item, "NOT_APPLICABLE", f"The tag policy has no rule for {item['resourceType']}."
            )
        verdict = tag_rule.rule.evaluate(self._tagged(item, tag_rule))
        return evaluation(item, COMPLIANCE[verdict.status], verdict.reason)

    def _tagged(self, item: Mapping[str, Any], tag_rule: TagRule) -> TaggedResource:
        account_id, region = item["awsAccountId"], item["awsRegion"]
        id_field = tag_rule.trigger.id_field
        resource_id = item.get(id_field) or item["resourceId"]
        tag_policy = self._policy.tag_policy
        resource_type = tag_rule.rule.spec.resource_type
        configuration = item.get("configuration") or {}
        if isinstance(configuration, str):  # get_resource_config_history gives JSON text
            configuration = json.loads(configuration)
        state = configuration.get("state") if isinstance(configuration, dict) else None
        return TaggedResource(
            ref=ResourceRef(
                resource_type=resource_type,
                resource_id=resource_id,
                account_id=account_id,
                region=region,
            ),
            tags=dict(item.get("tags") or {}),
            required=tag_policy.required_for(account_id, self._ous(account_id)),
            in_scope=resource_type in tag_policy.resource_types,
            now=self._clock(),
            state=state.get("name") if isinstance(state, dict) else None,
        )

    def handle(self, event: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Answers one Config invocation; returns the evaluations put."""
        invoking = json.loads(event["invokingEvent"])
        kind = invoking["messageType"]
        left_scope = bool(event.get("eventLeftScope"))
        if kind == CHANGE:
            named = invoking["configurationItem"]
        elif kind == OVERSIZED:
            named = invoking["configurationItemSummary"]
        elif kind == SCHEDULED:
            # A scheduled payload names no region; the rule's ARN does.
            named = {**invoking, "awsRegion": str(event["configRuleArn"]).split(":")[3]}
        else:
            raise ValueError(f"unexpected Config message type {kind!r}")
        account_id, region = named["awsAccountId"], named["awsRegion"]
        # Config invokes the function for the account whose rule it is (the invocation's
        # `accountId`): an item about another account is neither read nor answered for.
        if event.get("accountId") != account_id:
            raise PermissionError(
                f"invoked for account {event.get('accountId')} with an item of account {account_id}"
            )
        # An oversized item that left scope or was deleted is judged from its summary alone.
        summary_will_do = left_scope or named.get("configurationItemStatus") in DELETED_STATUSES
        if kind == CHANGE or (kind == OVERSIZED and summary_will_do):
            evaluations = [self.judge(named, left_scope)]
        elif kind == OVERSIZED:
            client = self._config_client(account_id, region)
            evaluations = [self.judge(latest_item(client, named))]
        else:
            client = self._config_client(account_id, region)
            evaluations = [self.judge(item) for item in self._recorded(client)]
        put_evaluations(self._config_client(account_id, region), evaluations, event)
        return evaluations

    def _recorded(self, client: Any) -> Iterable[Mapping[str, Any]]:
        """Every recorded resource of the rule's types, as its latest configuration item."""
        paginator = client.get_paginator("list_discovered_resources")
        for resource_type in self.resource_types:
            for page in paginator.paginate(resourceType=resource_type):
                for found in page["resourceIdentifiers"]:
                    yield latest_item(client, found)


def latest_item(client: Any, summary: Mapping[str, Any]) -> dict[str, Any]:
    """The full configuration item for a summary that names the resource."""
    items = client.get_resource_config_history(
        resourceType=summary["resourceType"], resourceId=summary["resourceId"], limit=1
    )["configurationItems"]
    if not items:
        raise LookupError(f"Config has no item for {summary['resourceId']}")
    item: dict[str, Any] = items[0]
    # History items name the account as accountId; invocation items as awsAccountId.
    item.setdefault("awsAccountId", item.get("accountId"))
    return item


def put_evaluations(
    client: Any, evaluations: list[dict[str, Any]], event: Mapping[str, Any]
) -> None:
    token = event["resultToken"]
    for chunk in chunks(evaluations):
        client.put_evaluations(Evaluations=chunk, ResultToken=token)
