"""`findings --output security-lake`: OCSF Compliance Findings in Parquet, laid out as an Amazon
Security Lake custom source, read back with pyarrow and validated against the OCSF schema.

Amazon Security Lake user guide, "Collecting data from custom sources in Security Lake": the
custom source "must convert the logs and events to the Open Cybersecurity Schema Framework (OCSF)
and meet the source requirements for Security Lake including partitioning, parquet file format
and object size and rate requirements"; "For sources that contain multiple categories of data,
you should deliver each unique Open Cybersecurity Schema Framework (OCSF) event class as a
separate source"; objects are prefixed with the source location, then `region=<region>/
accountId=<account id>/eventDay=<YYYYMMDD>/`, and records within an object are ordered by time.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

from orgwarden.audit import security_lake
from orgwarden.audit.episodes import episodes_from_history
from orgwarden.audit.ocsf import compliance_findings
from orgwarden.model.spec import Status
from policies import load_catalogue

from .report.history import record

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
DAY = timedelta(days=1)
OTHER = "222222222222"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = OcsfJsonSchemaEmbedded(get_ocsf_schema("1.5.0")).get_class_schema(
        "compliance_finding", ["cloud"]
    )
    return jsonschema.Draft202012Validator(schema)


def seeded() -> list[dict[str, Any]]:
    """Episodes in two accounts whose latest evaluations fall on two days."""
    records = [
        record("closed", NOW - 2 * DAY, Status.FAILED, changed_at=NOW - 3 * DAY),
        record("closed", NOW - DAY, Status.PASSED, changed_at=NOW - DAY),
        record("late", NOW - DAY + timedelta(hours=3), Status.FAILED, changed_at=NOW - DAY),
        record("early", NOW - DAY - timedelta(hours=3), Status.FAILED, changed_at=NOW - DAY),
        record("older", NOW - 2 * DAY, Status.FAILED, changed_at=NOW - 2 * DAY),
        record("today", NOW, Status.FAILED, changed_at=NOW, account=OTHER),
    ]
    specs = {r.spec.id: r.spec for r in load_catalogue().rules.values()}
    return compliance_findings(episodes_from_history(records), specs, NOW)


def as_ocsf(value: Any) -> Any:
    """A Parquet row as OCSF JSON: a column a finding lacked reads back as null (left out), and
    the `unmapped` map as a list of pairs."""
    if isinstance(value, dict):
        return {k: as_ocsf(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        if value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
            return dict(value)
        return [as_ocsf(v) for v in value]
    return value


def read_back(root: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        str(path.relative_to(root).parent): [as_ocsf(r) for r in pq.read_table(path).to_pylist()]
        for path in sorted(root.rglob("*.parquet"))
    }


def test_the_export_is_partitioned_as_security_lake_requires(
    tmp_path: Path, validator: jsonschema.Draft202012Validator
) -> None:
    findings = seeded()
    written = security_lake.write(security_lake.planned(findings, tmp_path, "orgwarden", NOW))
    assert len(written) == 3
    objects = read_back(tmp_path)
    assert sorted(objects) == [
        "ext/orgwarden/region=us-east-1/accountId=111111111111/eventDay=20261120",
        "ext/orgwarden/region=us-east-1/accountId=111111111111/eventDay=20261121",
        "ext/orgwarden/region=us-east-1/accountId=222222222222/eventDay=20261122",
    ]
    days = objects["ext/orgwarden/region=us-east-1/accountId=111111111111/eventDay=20261121"]
    # Ordered by time: "early" before "late"; the closed episode's latest evaluation between.
    assert [r["resources"][0]["uid"] for r in days] == ["early", "closed", "late"]
    rows = [r for rows in objects.values() for r in rows]
    assert sorted(r["metadata"]["uid"] for r in rows) == sorted(
        f["metadata"]["uid"] for f in findings
    )
    for row in rows:
        errors = [e.message for e in validator.iter_errors(row)]
        assert errors == [], errors
        assert row["class_uid"] == 2003  # one OCSF class: the source's COMPLIANCE_FINDING
    closed = next(r for r in rows if r["resources"][0]["uid"] == "closed")
    assert closed["compliance"]["status_id"] == 1
    assert closed["unmapped"]["open_for_seconds"] == str(2 * 86400)


def test_the_partitions_read_as_hive_columns_that_agree_with_each_row(tmp_path: Path) -> None:
    # Security Lake's crawler reads region, accountId and eventDay from the object's prefix.
    security_lake.write(security_lake.planned(seeded(), tmp_path, "orgwarden", NOW))
    lake = ds.dataset(tmp_path / "ext" / "orgwarden", format="parquet", partitioning="hive")
    for row in lake.to_table().to_pylist():
        assert row["region"] == row["cloud"]["region"]
        assert str(row["accountId"]) == row["cloud"]["account"]["uid"]
        day = datetime.fromtimestamp(row["time"] / 1000, UTC).strftime("%Y%m%d")
        assert str(row["eventDay"]) == day


def test_every_object_of_an_export_has_the_same_columns(tmp_path: Path) -> None:
    written = security_lake.write(security_lake.planned(seeded(), tmp_path, "orgwarden", NOW))
    schemas = {pq.read_schema(path) for path in written}
    assert len(schemas) == 1


def test_an_object_is_never_replaced(tmp_path: Path) -> None:
    files = security_lake.planned(seeded(), tmp_path, "orgwarden", NOW)
    security_lake.write(files)
    with pytest.raises(FileExistsError):
        security_lake.write(files)


def test_another_class_is_refused() -> None:
    (finding, *_) = seeded()
    with pytest.raises(security_lake.NotOneClass):
        security_lake.layout([{**finding, "class_uid": 2004}])


@pytest.mark.parametrize(
    ("region", "account"), [("../../etc", "111111111111"), ("us-east-1", "../x"), ("a/b", "1")]
)
def test_only_a_region_and_an_account_id_become_directories(region: str, account: str) -> None:
    (finding, *_) = seeded()
    forged = {**finding, "cloud": {**finding["cloud"], "region": region}}
    forged["cloud"]["account"] = {**finding["cloud"]["account"], "uid": account}
    with pytest.raises(ValueError, match="no Security Lake partition"):
        security_lake.partition(forged)


@pytest.mark.parametrize("name", ["", "a" * 21, "orgwarden/x", "org warden"])
def test_a_name_security_lake_refuses_is_refused(name: str) -> None:
    # CreateCustomLogSource: sourceName matches [\w\-\_\:\.]*, "You must use a CustomLogSource
    # name that is shorter than or equal to 20 characters".
    with pytest.raises(ValueError, match="custom source name"):
        security_lake.check_source_name(name)
