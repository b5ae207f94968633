"""Meta-tests: every rule is complete, and everything derived from the specs stays in step."""

import re
from pathlib import Path

import pytest

from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.engine.evaluator import parse_event
from orgwarden.engine.policy import DEFAULT_PATH
from orgwarden.model.policy_file import load_policy_file
from orgwarden.model.spec import CloudTrail, ConfigItem, GuardDutyFinding, RootActivity, Trigger
from policies import RULE_MODULES, load_catalogue
from policies.catalogue import Catalogue, CatalogueError, Rule, load_module
from tests.conftest import EVENTS

CATALOGUE = load_catalogue()
RULES = list(CATALOGUE.rules.values())
TESTS = Path(__file__).parent


def test_every_listed_module_is_loaded_and_names_its_rules() -> None:
    assert list(dict.fromkeys(rule.module for rule in RULES)) == list(RULE_MODULES)
    for rule in RULES:
        # One rule: its module's name. A family: `<type>_<module name>`.
        assert rule.spec.id == rule.module or rule.spec.id.endswith(f"_{rule.module}"), rule
    families = {rule.module for rule in RULES if rule.spec.id != rule.module}
    assert families == {"required_tags"}
    assert len([r for r in RULES if r.module == "required_tags"]) == 6


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_rule_has_its_own_test_file(rule: Rule) -> None:
    path = TESTS / f"test_{rule.spec.id}.py"
    assert path.exists(), f"no {path.relative_to(TESTS.parent.parent)}"
    assert rule.spec.id in path.read_text(), f"{path.name} does not name the rule it tests"


def test_the_policy_file_may_name_every_rule_of_the_catalogue(tmp_path: Path) -> None:
    modes = "".join(f"  {rule_id}: detect\n" for rule_id in CATALOGUE.rules)
    text = DEFAULT_PATH.read_text().replace("modes: {}", "modes:\n" + modes.rstrip("\n"))
    (tmp_path / "policy.yaml").write_text(text)
    policy = load_policy_file(tmp_path / "policy.yaml", tuple(CATALOGUE.rules))
    assert sorted(policy.modes) == sorted(CATALOGUE.rules)


def fixture_for(trigger: Trigger) -> Path | None:
    """Where the real-shaped event for a trigger lives under tests/events/."""
    match trigger:
        case CloudTrail():
            return EVENTS / "cloudtrail" / trigger.service / f"{trigger.event_name}.json"
        case ConfigItem():
            return EVENTS / "config" / f"{trigger.config_type.replace('::', '-')}.json"
        case GuardDutyFinding():
            name = trigger.type_prefixes[0] if trigger.type_prefixes else "unknown-type"
            return EVENTS / "guardduty" / f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-')}.json"
        case RootActivity():
            return EVENTS / "signin" / "ConsoleLogin-root.json"
    return None  # periodic: no event


def variants_of(fixture: Path) -> list[Path]:
    """The fixture and its variants (`<EventName>.<variant>.json`), for one event name whose
    events differ by resource, e.g. `PutPublicAccessBlock.account.json` without a bucket."""
    return [fixture, *sorted(fixture.parent.glob(f"{fixture.stem}.*.json"))]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_trigger_has_a_real_event_fixture_that_routes_to_the_rule(rule: Rule) -> None:
    for trigger in rule.spec.triggers:
        fixture = fixture_for(trigger)
        if fixture is None:
            continue
        assert fixture.exists(), f"{rule.spec.id}: no fixture {fixture.relative_to(EVENTS)}"
        reached = []
        for variant in variants_of(fixture):
            event, raw = parse_event(variant.read_text())
            routed = {m.rule.spec.id for m in CATALOGUE.matches(event, raw["detail"])}
            reached.append(rule.spec.id in routed)
        assert any(reached), f"{fixture.relative_to(EVENTS)} (or a variant) does not reach the rule"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_rule_can_be_resolved_and_fixed(rule: Rule) -> None:
    assert rule.spec.reads in READERS
    if rule.spec.remediation:
        assert rule.spec.remediation in REMEDIATIONS
    for escalation in rule.spec.escalations:
        assert escalation in REMEDIATIONS
    assert not rule.spec.escalations or rule.spec.remediation, "escalation without a fix"


def says_no_control_covers_it(rule: Rule) -> bool:
    """A rule's docstring says "Controls: none"; a family's names the rule on that line."""
    lines = [line for line in rule.doc.splitlines() if "Controls: none" in line]
    if rule.spec.id == rule.module:
        return bool(lines)
    return any(f"`{rule.spec.id}`" in line for line in lines)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.spec.id)
def test_every_rule_maps_to_controls_and_lists_numbered_scenarios(rule: Rule) -> None:
    # A rule no published control covers says so in its docstring.
    assert rule.spec.related_requirements() or says_no_control_covers_it(rule)
    assert "  1. " in rule.doc


def test_a_rule_whose_id_is_not_its_module_name_fails_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import policies.s3_bucket_public_access as module

    monkeypatch.setattr(module, "SPEC", module.SPEC.model_copy(update={"id": "something_else"}))
    with pytest.raises(CatalogueError, match="not the module name"):
        load_module("s3_bucket_public_access")


def test_a_rule_without_scenarios_fails_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import policies.s3_bucket_public_access as module

    monkeypatch.setattr(module, "__doc__", "No scenarios here.")
    with pytest.raises(CatalogueError, match="Scenarios"):
        load_module("s3_bucket_public_access")


def test_a_family_rule_not_named_type_and_module_fails_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import policies.required_tags as module

    renamed = module.SPECS[1].model_copy(update={"id": "ebs_volume_tags_required"})
    monkeypatch.setattr(module, "SPECS", (module.SPECS[0], renamed, *module.SPECS[2:]))
    with pytest.raises(CatalogueError, match="'ebs_volume_tags_required' in SPECS"):
        load_module("required_tags")


def test_a_family_without_scenarios_fails_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import policies.required_tags as module

    monkeypatch.setattr(module, "__doc__", "No scenarios here.")
    with pytest.raises(CatalogueError, match="Scenarios"):
        load_module("required_tags")


def test_a_module_with_both_one_spec_and_a_family_fails_at_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import policies.required_tags as module

    monkeypatch.setattr(module, "SPEC", module.SPECS[0], raising=False)
    with pytest.raises(CatalogueError, match="both SPEC and SPECS"):
        load_module("required_tags")


def test_a_family_of_no_rules_fails_at_load(monkeypatch: pytest.MonkeyPatch) -> None:
    import policies.required_tags as module

    monkeypatch.setattr(module, "SPECS", ())
    with pytest.raises(CatalogueError, match="non-empty tuple"):
        load_module("required_tags")


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(CatalogueError, match="duplicate"):
        Catalogue([RULES[0], RULES[0]])


def test_routes_extract_the_resource_id_from_the_detail() -> None:
    (route,) = CATALOGUE.routes("s3.amazonaws.com", "PutBucketPolicy")
    assert route.resource_ids({"requestParameters": {"bucketName": "b1"}}) == ["b1"]
    assert route.resource_ids({"requestParameters": None}) == []
    assert CATALOGUE.routes("s3.amazonaws.com", "GetObject") == []
