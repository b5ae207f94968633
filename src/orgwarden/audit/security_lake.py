"""`findings --output security-lake`: the OCSF Compliance Findings of `--output ocsf`, written as
an Amazon Security Lake custom source reads them.

Security Lake's requirements for a custom source, and how the export meets them:
- one OCSF event class per source: every object holds Compliance Findings (class 2003) only, so
  the custom source is created with the event class COMPLIANCE_FINDING;
- Apache Parquet objects (zstd-compressed), under the source's prefix, partitioned as
  `ext/<source name>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`: the region and
  account are the finding's own (`cloud.region`, `cloud.account.uid`), the day is the UTC day of
  its `time` (the episode's latest evaluation);
- records ordered by time within each object.

Every object of one export has the same columns (the union of the attributes its findings
carry; an attribute a finding lacks is null). `unmapped` is a map of strings, as in Security
Lake's own sources. The export writes new objects and never replaces one: run again, it writes
the same findings again (same `metadata.uid`) under a new object name.
"""

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orgwarden.model.identifiers import ACCOUNT_ID_PATTERN, REGION_PATTERN

DEFAULT_SOURCE_NAME = "orgwarden"
EVENT_CLASS = "COMPLIANCE_FINDING"  # CreateCustomLogSource's name for OCSF class 2003
OCSF_CLASS_UID = 2003
# CreateCustomLogSource: `[\w\-\_\:\.]*`, and at most 20 characters so that the provider role
# Security Lake names after the source (AmazonSecurityLake-Provider-<name>-<region>) fits.
SOURCE_NAME = re.compile(r"[\w\-:.]{1,20}", re.ASCII)
UNMAPPED = pa.map_(pa.string(), pa.string())


class NotOneClass(ValueError):
    """A finding of another OCSF class than the source's."""


def check_source_name(name: str) -> str:
    if not SOURCE_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a Security Lake custom source name (1 to 20 letters, digits, "
            "'_', '-', ':' or '.')"
        )
    return name


def partition(finding: dict[str, Any], source_name: str = DEFAULT_SOURCE_NAME) -> PurePosixPath:
    """The prefix, below the lake's bucket, of the object that holds `finding`."""
    day = datetime.fromtimestamp(finding["time"] / 1000, UTC).strftime("%Y%m%d")
    cloud = finding["cloud"]
    # The prefix is made of the finding's own values: only an account id and a region name
    # may become a directory (no `..`, no `/`), whatever the evidence holds.
    region, account = cloud["region"], cloud["account"]["uid"]
    if not (re.match(REGION_PATTERN, region) and re.match(ACCOUNT_ID_PATTERN, account)):
        raise ValueError(f"no Security Lake partition for region {region!r}, account {account!r}")
    return PurePosixPath(
        "ext",
        source_name,
        f"region={region}",
        f"accountId={account}",
        f"eventDay={day}",
    )


def layout(
    findings: Iterable[dict[str, Any]], source_name: str = DEFAULT_SOURCE_NAME
) -> dict[PurePosixPath, list[dict[str, Any]]]:
    """The findings of each partition, ordered by time."""
    parts: dict[PurePosixPath, list[dict[str, Any]]] = defaultdict(list)
    for finding in findings:
        if finding.get("class_uid") != OCSF_CLASS_UID:
            raise NotOneClass(
                f"a Security Lake source holds one OCSF class ({OCSF_CLASS_UID}); "
                f"got {finding.get('class_uid')}"
            )
        parts[partition(finding, source_name)].append(finding)
    return {
        prefix: sorted(rows, key=lambda f: (f["time"], f["metadata"]["uid"]))
        for prefix, rows in sorted(parts.items())
    }


def schema(findings: list[dict[str, Any]]) -> pa.Schema:
    """One schema for every object of an export: the union of the findings' attributes."""
    inferred = pa.array([_without_unmapped(f) for f in findings]).type
    fields = [inferred.field(i) for i in range(inferred.num_fields)]
    return pa.schema([*fields, pa.field("unmapped", UNMAPPED)])


def table(rows: list[dict[str, Any]], of: pa.Schema) -> pa.Table:
    prepared = [
        {**_without_unmapped(f), "unmapped": _strings(f.get("unmapped") or {})} for f in rows
    ]
    return pa.Table.from_pylist(prepared, schema=of)


def object_name(source_name: str, at: datetime) -> str:
    return f"{source_name}-{at.astimezone(UTC).strftime('%Y%m%dT%H%M%S%fZ')}.parquet"


def planned(
    findings: list[dict[str, Any]], out: Path, source_name: str, at: datetime
) -> dict[Path, list[dict[str, Any]]]:
    """The files an export writes below `out` (the lake bucket's root), with their findings."""
    name = object_name(source_name, at)
    return {
        out.joinpath(*prefix.parts, name): rows
        for prefix, rows in layout(findings, source_name).items()
    }


def write(files: dict[Path, list[dict[str, Any]]]) -> list[Path]:
    """Write the planned files (none may exist already)."""
    every = [f for rows in files.values() for f in rows]
    if not every:
        return []
    of = schema(every)
    for path, rows in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as sink:
            pq.write_table(table(rows, of), sink, compression="zstd")
    return list(files)


def _without_unmapped(finding: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in finding.items() if k != "unmapped"}


def _strings(values: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v is not None}
