"""State for the tampering rules: the account's guards (CloudTrail, GuardDuty, Config, Security
Hub) as read in one account and region."""

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from orgwarden.model.resources import ResourceRef


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Trail(_Frozen):
    name: str
    arn: str
    home_region: str
    multi_region: bool
    organization_trail: bool
    logging: bool
    # Which management events it records ("read", "write", both, or none), from its event
    # selectors; None when they could not be read (or were not: a trail that is not logging).
    management_events: frozenset[str] | None = frozenset({"read", "write"})

    @property
    def owner_account(self) -> str:
        """The account that owns the trail (an organization trail belongs to the management
        account and shows up as a shadow in every member)."""
        return self.arn.split(":")[4]


class TrailCoverage(_Frozen):
    ref: ResourceRef  # the account, in the region the event came from
    trails: tuple[Trail, ...]
    # The trail the triggering event named (StopLogging, DeleteTrail, UpdateTrail), if any.
    event_name: str | None = None
    event_trail: str | None = None


class Detector(_Frozen):
    detector_id: str
    enabled: bool


class DetectorState(_Frozen):
    ref: ResourceRef
    detectors: tuple[Detector, ...]


class RecordingGroup(_Frozen):
    """What a configuration recorder records (AWS Config API, `RecordingGroup`)."""

    all_supported: bool
    # ALL_SUPPORTED_RESOURCE_TYPES, INCLUSION_BY_RESOURCE_TYPES or EXCLUSION_BY_RESOURCE_TYPES.
    strategy: str
    resource_types: tuple[str, ...] = ()  # recorded, under INCLUSION_BY_RESOURCE_TYPES
    excluded_types: tuple[str, ...] = ()  # not recorded, under EXCLUSION_BY_RESOURCE_TYPES

    def records(self, config_type: str) -> bool:
        if self.all_supported or self.strategy == "ALL_SUPPORTED_RESOURCE_TYPES":
            return True
        if self.strategy == "EXCLUSION_BY_RESOURCE_TYPES":
            return config_type not in self.excluded_types
        return config_type in self.resource_types


class Recorder(_Frozen):
    name: str
    recording: bool
    recording_group: RecordingGroup
    last_status: str | None = None


class RecorderState(_Frozen):
    ref: ResourceRef
    recorders: tuple[Recorder, ...]


class HubState(_Frozen):
    ref: ResourceRef
    enabled: bool
    hub_arn: str | None = None


READ_WRITE = {"All": {"read", "write"}, "ReadOnly": {"read"}, "WriteOnly": {"write"}}


def management_events(selectors: Mapping[str, Any]) -> frozenset[str]:
    """Which management events a trail records, from GetEventSelectors' answer.

    CloudTrail API reference (EventSelector): "By default, trails created without specific event
    selectors will be configured to log all read and write management events", and a trail's
    selectors are what GetEventSelectors answers, the default one included; so no selector at
    all records nothing. `IncludeManagementEvents` and `ReadWriteType` default to true and All.
    A trail logs an event when any selector matches it, so the selectors' read/write kinds add
    up. Advanced selectors record management events where `eventCategory` equals Management,
    limited by a `readOnly` field selector if one is given.
    """
    basic: Sequence[Mapping[str, Any]] | None = selectors.get("EventSelectors")
    advanced: Sequence[Mapping[str, Any]] | None = selectors.get("AdvancedEventSelectors")
    found: set[str] = set()
    for selector in basic or ():
        if selector.get("IncludeManagementEvents", True):
            found |= READ_WRITE.get(str(selector.get("ReadWriteType", "All")), set())
    for selector in advanced or ():
        fields = {f.get("Field"): f for f in selector.get("FieldSelectors", [])}
        category = fields.get("eventCategory", {})
        if "Management" not in category.get("Equals", []):
            continue
        read_only = fields.get("readOnly")
        if read_only is None or not read_only.get("Equals"):
            found |= {"read", "write"}
        else:
            found |= {"read" if v == "true" else "write" for v in read_only["Equals"]}
    return frozenset(found)
