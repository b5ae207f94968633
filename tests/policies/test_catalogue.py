"""Meta-tests: every rule is complete, and everything derived from the specs stays in step."""

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from policies import RULE_MODULES, load_catalogue
from policies.catalogue import Catalogue, CatalogueError, Rule, load_rule
from tests.conftest import EVENTS

CATALOGUE = load_catalogue()
RULES = list(CATALOGUE.rules.values())


def test_every_listed_module_is_loaded() -> None:
    assert sorted(CATALOGUE.rules) == sorted(RULE_MODULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_trigger_has_a_real_event_fixture(rule: Rule) -> None:
    for trigger in rule.spec.triggers:
        fixture = EVENTS / "cloudtrail" / trigger.service / f"{trigger.event_name}.json"
        assert fixture.exists(), f"{rule.spec.id}: no fixture {fixture.relative_to(EVENTS)}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_rule_can_be_resolved_and_fixed(rule: Rule) -> None:
    assert rule.spec.reads in READERS
    if rule.spec.remediation:
        assert rule.spec.remediation in REMEDIATIONS


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_rule_maps_to_controls_and_lists_numbered_scenarios(rule: Rule) -> None:
    assert rule.spec.related_requirements()
    assert "  1. " in rule.doc


def test_a_rule_whose_id_is_not_its_module_name_fails_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import policies.s3_bucket_public_access as module

    monkeypatch.setattr(module, "SPEC", module.SPEC.model_copy(update={"id": "something_else"}))
    with pytest.raises(CatalogueError, match="not the module name"):
        load_rule("s3_bucket_public_access")


def test_a_rule_without_scenarios_fails_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import policies.s3_bucket_public_access as module

    monkeypatch.setattr(module, "__doc__", "No scenarios here.")
    with pytest.raises(CatalogueError, match="Scenarios"):
        load_rule("s3_bucket_public_access")


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(CatalogueError, match="duplicate"):
        Catalogue([RULES[0], RULES[0]])


def test_routes_extract_the_resource_id_from_the_detail() -> None:
    (route,) = CATALOGUE.routes("s3.amazonaws.com", "PutBucketPolicy")
    assert route.resource_ids({"requestParameters": {"bucketName": "b1"}}) == ["b1"]
    assert route.resource_ids({"requestParameters": None}) == []
    assert CATALOGUE.routes("s3.amazonaws.com", "GetObject") == []
