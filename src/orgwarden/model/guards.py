"""State for the tampering rules: the account's guards (CloudTrail, GuardDuty, Config, Security
Hub) as read in one account and region."""

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
