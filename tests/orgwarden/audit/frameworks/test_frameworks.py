"""The frameworks as data: every requirement with its title, and the rules that judge it, equal to
what the catalogue's rules say they map to.

Ids and titles are AWS's. The Security Hub CSPM user guide's "Control reference for Security Hub
CSPM" lists each control by "Security control ID" and "Security control title"; its page on the
CIS AWS Foundations Benchmark says Security Hub CSPM "supports versions 5.0.0, 3.0.0, 1.4.0, and
1.2.0" of the benchmark and lists, per version, the controls that apply.
"""

from collections import defaultdict

import pytest

from orgwarden.audit.frameworks import FRAMEWORK_IDS, load_framework
from policies import load_catalogue


def catalogue_mapping(framework_id: str) -> dict[str, set[str]]:
    mapped: dict[str, set[str]] = defaultdict(set)
    for rule in load_catalogue().rules.values():
        for control in rule.spec.controls.get(framework_id, ()):
            mapped[control].add(rule.spec.id)
    return mapped


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_every_catalogue_control_is_a_requirement_of_the_framework(framework_id: str) -> None:
    framework = load_framework(framework_id)
    ids = [r.id for r in framework.requirements]
    assert len(ids) == len(set(ids)), "a requirement is listed twice"
    mapped = catalogue_mapping(framework_id)
    assert mapped, "no rule maps to this framework: the check would pass on nothing"
    unknown = sorted(set(mapped) - set(ids))
    assert unknown == [], f"rules map to controls the framework does not have: {unknown}"
    judged = {r.id: set(r.rules) for r in framework.requirements if r.rules}
    assert judged == dict(mapped)


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
def test_every_requirement_has_a_title_and_an_assessment(framework_id: str) -> None:
    framework = load_framework(framework_id)
    assert framework.elsewhere
    for requirement in framework.requirements:
        assert requirement.title.strip(), requirement.id
        assert requirement.assessment in ("automated", "manual"), requirement.id


def test_the_standards_hold_their_published_controls() -> None:
    fsbp = load_framework("aws-fsbp")
    # Security control titles as the control reference gives them.
    assert fsbp.requirement("S3.8") is not None
    assert fsbp.requirement("IAM.9").title == "MFA should be enabled for the root user"  # type: ignore[union-attr]
    assert fsbp.requirement("EC2.8").title == "EC2 instances should use IMDSv2"  # type: ignore[union-attr]
    assert len(fsbp.requirements) > 250
    cis = load_framework("cis-aws-3.0")
    # CIS v3.0.0's sections 1 to 5, with the manual recommendations an auditor checks by hand.
    assert {r.id.split(".")[0] for r in cis.requirements} == {"1", "2", "3", "4", "5"}
    assert any(r.assessment == "manual" for r in cis.requirements)
    assert cis.requirement("5.6").title == "Ensure that EC2 Metadata Service only allows IMDSv2"  # type: ignore[union-attr]


def test_an_unknown_framework_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown framework"):
        load_framework("nist-800-53")
