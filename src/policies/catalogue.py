"""Loading and indexing the rule catalogue, and what is generated from it (event patterns)."""

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import jmespath
from jmespath.parser import ParsedResult

from orgwarden.model.spec import CLOUDTRAIL_DETAIL_TYPE, CloudTrail, RuleSpec, Verdict


class CatalogueError(Exception):
    """A rule module is malformed: raised at load, never at evaluation time."""


@dataclass(frozen=True)
class Rule:
    spec: RuleSpec
    evaluate: Callable[[Any], Verdict]
    doc: str


@dataclass(frozen=True)
class Route:
    """A rule reached by an event, with the compiled expression that yields its resource ids."""

    rule: Rule
    trigger: CloudTrail
    ids: ParsedResult

    def resource_ids(self, detail: Mapping[str, Any]) -> list[Any]:
        found = self.ids.search(detail)
        if found is None:
            return []
        return found if isinstance(found, list) else [found]


class Catalogue:
    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules: dict[str, Rule] = {}
        self._routes: dict[tuple[str, str], list[Route]] = defaultdict(list)
        for rule in rules:
            if rule.spec.id in self.rules:
                raise CatalogueError(f"duplicate rule id {rule.spec.id}")
            self.rules[rule.spec.id] = rule
            for trigger in rule.spec.triggers:
                route = Route(rule=rule, trigger=trigger, ids=jmespath.compile(trigger.ids))
                self._routes[(trigger.event_source, trigger.event_name)].append(route)

    def routes(self, event_source: str, event_name: str) -> list[Route]:
        return self._routes.get((event_source, event_name), [])

    def event_patterns(self) -> dict[str, dict[str, Any]]:
        """One EventBridge pattern per event source, exactly as `template.yaml` must declare it."""
        names: dict[str, set[str]] = defaultdict(set)
        for event_source, event_name in self._routes:
            names[event_source].add(event_name)
        return {
            event_source: {
                "source": [f"aws.{event_source.removesuffix('.amazonaws.com')}"],
                "detail-type": [CLOUDTRAIL_DETAIL_TYPE],
                "detail": {"eventSource": [event_source], "eventName": sorted(event_names)},
            }
            for event_source, event_names in sorted(names.items())
        }


def load_rule(module_name: str) -> Rule:
    module = importlib.import_module(f"policies.{module_name}")
    spec = getattr(module, "SPEC", None)
    evaluate = getattr(module, "evaluate", None)
    doc = module.__doc__ or ""
    if not isinstance(spec, RuleSpec):
        raise CatalogueError(f"policies.{module_name}: SPEC is missing or not a RuleSpec")
    if spec.id != module_name:
        raise CatalogueError(f"policies.{module_name}: SPEC.id is {spec.id!r}, not the module name")
    if not callable(evaluate):
        raise CatalogueError(f"policies.{module_name}: no evaluate function")
    if "Scenarios:" not in doc:
        raise CatalogueError(f"policies.{module_name}: the docstring lists no numbered Scenarios")
    return Rule(spec=spec, evaluate=evaluate, doc=doc)


@cache
def load_catalogue() -> Catalogue:
    from policies import RULE_MODULES  # noqa: PLC0415 - the list lives with the package

    return Catalogue(load_rule(name) for name in RULE_MODULES)
