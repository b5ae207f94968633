"""Loading and indexing the rule catalogue, routing events to rules, and what is generated from
the specs (EventBridge patterns)."""

import importlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jmespath
from jmespath.parser import ParsedResult

from orgwarden.model.events import (
    CLOUDTRAIL_API_CALL,
    CLOUDTRAIL_DETAIL_TYPES,
    CONFIG_ITEM_CHANGE,
    GUARDDUTY_FINDING,
    CloudTrailEvent,
    ConfigItemEvent,
    GuardDutyFindingEvent,
)
from orgwarden.model.spec import (
    CloudTrail,
    ConfigItem,
    GuardDutyFinding,
    RootActivity,
    RuleSpec,
    Verdict,
)


class CatalogueError(Exception):
    """A rule module is malformed: raised at load, never at evaluation time."""


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    evaluate: Callable[[Any], Verdict]
    doc: str
    module: str  # the catalogue module that declares it (`RULE_MODULES`)


@dataclass(frozen=True)
class Route:
    """A rule reached by an event, with the compiled expression that yields its resource ids."""

    rule: Rule
    ids: ParsedResult

    def resource_ids(self, detail: Mapping[str, Any]) -> list[Any]:
        found = self.ids.search(detail)
        found = found if isinstance(found, list) else [found]
        # Nothing, false or empty: the event is not about this rule's kind of resource.
        return [value for value in found if value not in (None, False, "")]


@dataclass(frozen=True)
class Match:
    """One (rule, resource) pair an event asks to evaluate.

    `resource_id` is as the event gave it: it is validated before any API call sees it. `key`
    names an occurrence (a root login, a GuardDuty finding) for rules that keep one finding per
    occurrence. `payload` is the part of the event a rule may trust without a read.
    """

    rule: Rule
    resource_id: Any
    account_id: str
    region: str
    key: str | None
    payload: Any


Event = CloudTrailEvent | ConfigItemEvent | GuardDutyFindingEvent


class Catalogue:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: dict[str, Rule] = {}
        self._cloudtrail: dict[tuple[str, str], list[Route]] = defaultdict(list)
        # Calls for which some rule treats "no resource of my kind" as a malformed event.
        self._expects_resource: set[tuple[str, str]] = set()
        self._config: dict[str, list[tuple[Rule, ConfigItem]]] = defaultdict(list)
        self._guardduty: list[tuple[Rule, GuardDutyFinding, ParsedResult]] = []
        self._root: list[Rule] = []
        for rule in rules:
            if rule.spec.id in self.rules:
                raise CatalogueError(f"duplicate rule id {rule.spec.id}")
            self.rules[rule.spec.id] = rule
            for trigger in rule.spec.triggers:
                if isinstance(trigger, CloudTrail):
                    route = Route(rule=rule, ids=jmespath.compile(trigger.ids))
                    self._cloudtrail[(trigger.event_source, trigger.event_name)].append(route)
                    if not trigger.other_resources:
                        self._expects_resource.add((trigger.event_source, trigger.event_name))
                elif isinstance(trigger, ConfigItem):
                    self._config[trigger.config_type].append((rule, trigger))
                elif isinstance(trigger, GuardDutyFinding):
                    self._guardduty.append((rule, trigger, jmespath.compile(trigger.ids)))
                elif isinstance(trigger, RootActivity):
                    self._root.append(rule)

    def routes(self, event_source: str, event_name: str) -> list[Route]:
        return self._cloudtrail.get((event_source, event_name), [])

    def expects_resource(self, event_source: str, event_name: str) -> bool:
        """True when an event of this call that names no resource for its rules is malformed."""
        return (event_source, event_name) in self._expects_resource

    def matches(self, event: Event, raw_detail: Mapping[str, Any]) -> list[Match]:
        """Every (rule, resource) the event asks to evaluate; empty when no rule listens.

        `raw_detail` is the event's `detail` as received: id expressions read AWS's field names.
        """
        if isinstance(event, CloudTrailEvent):
            return self._cloudtrail_matches(event, raw_detail)
        if isinstance(event, ConfigItemEvent):
            return self._config_matches(event)
        return self._guardduty_matches(event, raw_detail)

    def _cloudtrail_matches(self, event: CloudTrailEvent, raw: Mapping[str, Any]) -> list[Match]:
        detail = event.detail
        found = []
        if detail.is_root:
            found += [
                Match(
                    rule=rule,
                    resource_id=detail.recipient_account_id,
                    account_id=detail.recipient_account_id,
                    region=detail.aws_region,
                    key=f"event/{detail.event_id}",
                    payload=detail,
                )
                for rule in self._root
            ]
        if event.detail_type != CLOUDTRAIL_API_CALL:
            return found
        for route in self.routes(detail.event_source, detail.event_name):
            found += [
                Match(
                    rule=route.rule,
                    resource_id=resource_id,
                    account_id=detail.recipient_account_id,
                    region=detail.aws_region,
                    key=None,
                    payload=detail,
                )
                for resource_id in route.resource_ids(raw)
            ]
        return found

    def _config_matches(self, event: ConfigItemEvent) -> list[Match]:
        item = event.detail.item
        found = []
        for rule, trigger in self._config.get(item.resource_type, []):
            resource_id = item.resource_name if trigger.id_field == "resourceName" else None
            found.append(
                Match(
                    rule=rule,
                    resource_id=resource_id or item.resource_id,
                    account_id=item.account_id,
                    region=item.region,
                    key=None,
                    payload=item,
                )
            )
        return found

    def _guardduty_matches(
        self, event: GuardDutyFindingEvent, raw: Mapping[str, Any]
    ) -> list[Match]:
        """The rules claiming the finding's type, with the resources it names; a finding that
        no rule claims, or that names no resource its claiming rules act on (a console-login
        finding without an access key, an account-level S3 finding, an EC2 finding without an
        instance id), goes to the rules recording unclaimed findings, at account level: never
        dropped."""
        detail = event.detail
        claimed = [
            (rule, ids)
            for rule, trigger, ids in self._guardduty
            if trigger.type_prefixes and detail.type.startswith(trigger.type_prefixes)
        ]
        found = self._guardduty_found(claimed, event, raw)
        if not found:
            recorders = [
                (rule, ids) for rule, trigger, ids in self._guardduty if not trigger.type_prefixes
            ]
            found = self._guardduty_found(recorders, event, raw)
        return found

    @staticmethod
    def _guardduty_found(
        rules: list[tuple[Rule, ParsedResult]],
        event: GuardDutyFindingEvent,
        raw: Mapping[str, Any],
    ) -> list[Match]:
        detail = event.detail
        found = []
        for rule, ids in rules:
            route = Route(rule=rule, ids=ids)
            found += [
                Match(
                    rule=rule,
                    resource_id=resource_id,
                    account_id=detail.account_id,
                    region=detail.region,
                    key=f"guardduty/{detail.id}/{resource_id}",
                    payload=detail,
                )
                for resource_id in route.resource_ids(raw)
            ]
        return found

    def event_patterns(self) -> dict[str, dict[str, Any]]:
        """The EventBridge patterns `template.yaml` must declare, by rule name (without `Rule`)."""
        patterns: dict[str, dict[str, Any]] = {}
        names: dict[str, set[str]] = defaultdict(set)
        for event_source, event_name in self._cloudtrail:
            names[event_source].add(event_name)
        for event_source, event_names in sorted(names.items()):
            service = event_source.removesuffix(".amazonaws.com")
            patterns[f"CloudTrail{_camel(service)}"] = {
                "source": [f"aws.{service}"],
                "detail-type": [CLOUDTRAIL_API_CALL],
                "detail": {"eventSource": [event_source], "eventName": sorted(event_names)},
            }
        if self._root:
            patterns["RootActivity"] = {
                # Root acts through every service, so no one source: any AWS source, which
                # PutEvents refuses, and never a custom one a member could send.
                "source": [{"prefix": "aws."}],
                "detail-type": list(CLOUDTRAIL_DETAIL_TYPES),
                "detail": {"userIdentity": {"type": ["Root"], "invokedBy": [{"exists": False}]}},
            }
        if self._config:
            types = sorted(self._config)
            patterns["ConfigItems"] = {
                "source": ["aws.config"],
                "detail-type": [CONFIG_ITEM_CHANGE],
                # An oversized item (OversizedConfigurationItemChangeNotification) carries
                # `configurationItemSummary` instead of `configurationItem`.
                "detail": {
                    "$or": [
                        {"configurationItem": {"resourceType": types}},
                        {"configurationItemSummary": {"resourceType": list(types)}},
                    ]
                },
            }
        if self._guardduty:
            # Every finding type: one no rule claims is still recorded, never dropped.
            patterns["GuardDutyFindings"] = {
                "source": ["aws.guardduty"],
                "detail-type": [GUARDDUTY_FINDING],
            }
        return patterns


def _camel(service: str) -> str:
    return "".join(part.capitalize() for part in service.replace("-", " ").split())


def load_module(module_name: str) -> tuple[Rule, ...]:
    """The rules one catalogue module declares.

    A module declares one rule (`SPEC`, whose id is the module name) or a family (`SPECS`, one
    rule per resource type, each id `<type>_<module name>`) judged by its one `evaluate` and
    described by its one docstring.
    """
    where = f"policies.{module_name}"
    module = importlib.import_module(where)
    single = getattr(module, "SPEC", None)
    family = getattr(module, "SPECS", None)
    evaluate = getattr(module, "evaluate", None)
    doc = module.__doc__ or ""
    if single is not None and family is not None:
        raise CatalogueError(f"{where}: declares both SPEC and SPECS")
    if family is None:
        if not isinstance(single, RuleSpec):
            raise CatalogueError(f"{where}: SPEC is missing or not a RuleSpec")
        if single.id != module_name:
            raise CatalogueError(f"{where}: SPEC.id is {single.id!r}, not the module name")
        specs: tuple[RuleSpec, ...] = (single,)
    else:
        if not isinstance(family, tuple) or not family:
            raise CatalogueError(f"{where}: SPECS is not a non-empty tuple of RuleSpecs")
        for spec in family:
            if not isinstance(spec, RuleSpec):
                raise CatalogueError(f"{where}: SPECS holds {spec!r}, not a RuleSpec")
            if not re.fullmatch(rf"[a-z][a-z0-9_]*_{module_name}", spec.id):
                raise CatalogueError(f"{where}: {spec.id!r} in SPECS is not <type>_{module_name}")
        specs = family
    if not callable(evaluate):
        raise CatalogueError(f"{where}: no evaluate function")
    if "Scenarios:" not in doc:
        raise CatalogueError(f"{where}: the docstring lists no numbered Scenarios")
    return tuple(Rule(spec=spec, evaluate=evaluate, doc=doc, module=module_name) for spec in specs)


@cache
def load_catalogue() -> Catalogue:
    from policies import RULE_MODULES  # noqa: PLC0415 - the list lives with the package

    return Catalogue(rule for name in RULE_MODULES for rule in load_module(name))
