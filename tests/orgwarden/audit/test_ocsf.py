"""`findings --output ocsf`: OCSF 1.5.0 Compliance Findings (class 2003, with the `cloud`
profile), validated against the OCSF schema itself: ocsf-json-schema ships every OCSF release's
schema and turns a class into JSON Schema; jsonschema checks the output against it.

OCSF's Compliance Finding: "describe results of evaluations performed against resources, to
check compliance with various Industry Frameworks or Security Standards"; its `compliance`
object's `status_id` is 1 Pass, 2 Warning, 3 Fail.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from orgwarden.audit.episodes import episodes_from_history
from orgwarden.audit.ocsf import compliance_findings
from orgwarden.model.spec import Status
from policies import load_catalogue

from .report.history import record

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
OCSF_VERSION = "1.5.0"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema(OCSF_VERSION)).get_class_schema(
        "compliance_finding", ["cloud"]
    )
    assert schema["additionalProperties"] is False  # an attribute OCSF lacks is an error
    return jsonschema.Draft202012Validator(schema)


def findings() -> list[dict[str, Any]]:
    day = timedelta(days=1)
    records = [
        record("closed", NOW - 2 * day, Status.FAILED, changed_at=NOW - 3 * day),
        record("closed", NOW - day, Status.PASSED, changed_at=NOW - day),
        record("open", NOW - day, Status.FAILED, changed_at=NOW - day),
        record("exempt", NOW - day, Status.WARNING, changed_at=NOW - day),
    ]
    specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
    return compliance_findings(episodes_from_history(records), specs, NOW)


def test_every_finding_is_valid_ocsf(validator: jsonschema.Draft202012Validator) -> None:
    found = findings()
    assert len(found) == 3
    for finding in found:
        errors = [e.message for e in validator.iter_errors(finding)]
        assert errors == [], errors
        assert finding["class_uid"] == 2003
        assert finding["metadata"]["version"] == OCSF_VERSION


def test_the_validation_can_fail(validator: jsonschema.Draft202012Validator) -> None:
    (finding, *_) = findings()
    broken = {k: v for k, v in finding.items() if k != "cloud"}
    assert not validator.is_valid(broken)
    assert not validator.is_valid({**finding, "made_up_attribute": 1})
    assert not validator.is_valid({**finding, "severity_id": "high"})


def test_the_episode_maps_to_ocsf_attributes() -> None:
    by_resource = {f["resources"][0]["uid"]: f for f in findings()}
    closed, still_open = by_resource["closed"], by_resource["open"]
    assert (closed["status"], closed["compliance"]["status_id"]) == ("Resolved", 1)
    assert (still_open["status"], still_open["compliance"]["status_id"]) == ("New", 3)
    assert by_resource["exempt"]["compliance"]["status_id"] == 2
    assert closed["start_time"] == int((NOW - timedelta(days=3)).timestamp() * 1000)
    assert closed["end_time"] == int((NOW - timedelta(days=1)).timestamp() * 1000)
    assert closed["unmapped"]["open_for_seconds"] == 2 * 86400
    assert closed["cloud"]["account"]["uid"] == "111111111111"
    assert closed["compliance"]["requirements"] == ["aws-fsbp S3.2", "aws-fsbp S3.3"]
    assert closed["severity_id"] == 5  # CRITICAL
    assert closed["remediation"]["desc"].startswith("Turn on all four Block Public Access")
