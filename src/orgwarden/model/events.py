"""The events orgwarden accepts, as pydantic models.

AWS payloads grow new fields over time, so these models allow extra fields; a field we rely on
that is missing or of the wrong type rejects the event with a precise reason.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from orgwarden.model.identifiers import AccountId, Region

CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"
# Console sign-ins: AWS documents the first spelling; older events and tools use the second.
CONSOLE_SIGNIN = ("AWS Console Signin via CloudTrail", "AWS Console Sign In via CloudTrail")
CLOUDTRAIL_DETAIL_TYPES = (CLOUDTRAIL_API_CALL, *CONSOLE_SIGNIN)
CONFIG_ITEM_CHANGE = "Config Configuration Item Change"
GUARDDUTY_FINDING = "GuardDuty Finding"


class EventBridgeModel(BaseModel):
    """The EventBridge envelope (the fields of Powertools' parser model of the same name, which
    is not imported: its package builds a model for every AWS event source on import)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    version: str
    id: str
    source: str
    account: str
    time: datetime
    region: str
    resources: list[str]
    detail_type: str = Field(alias="detail-type")
    detail: Any
    replay_name: str | None = Field(default=None, alias="replay-name")


class SessionIssuer(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str | None = None
    arn: str | None = None
    user_name: str | None = Field(default=None, alias="userName")


class SessionContext(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    session_issuer: SessionIssuer | None = Field(default=None, alias="sessionIssuer")


class UserIdentity(BaseModel):
    """Who made the call (CloudTrail `userIdentity`)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: str
    principal_id: str | None = Field(default=None, alias="principalId")
    arn: str | None = None
    account_id: str | None = Field(default=None, alias="accountId")
    invoked_by: str | None = Field(default=None, alias="invokedBy")
    session_context: SessionContext | None = Field(default=None, alias="sessionContext")

    @property
    def role_arn(self) -> str | None:
        """The IAM role behind an assumed-role session, if any."""
        if self.session_context and self.session_context.session_issuer:
            return self.session_context.session_issuer.arn
        return None


class CloudTrailDetail(BaseModel):
    """The `detail` of an `AWS API Call via CloudTrail` event."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    event_version: str = Field(alias="eventVersion")
    user_identity: UserIdentity = Field(alias="userIdentity")
    event_time: datetime = Field(alias="eventTime")
    event_source: str = Field(alias="eventSource")
    event_name: str = Field(alias="eventName")
    aws_region: Region = Field(alias="awsRegion")
    source_ip_address: str | None = Field(default=None, alias="sourceIPAddress")
    user_agent: str | None = Field(default=None, alias="userAgent")
    request_parameters: dict[str, Any] | None = Field(default=None, alias="requestParameters")
    response_elements: dict[str, Any] | None = Field(default=None, alias="responseElements")
    error_code: str | None = Field(default=None, alias="errorCode")
    error_message: str | None = Field(default=None, alias="errorMessage")
    event_id: str = Field(alias="eventID")
    event_type: str = Field(alias="eventType")
    # The account the call was made in. Forwarded and delegated-admin events carry the subject
    # account here, so this, not the envelope's `account`, names the account we act in.
    recipient_account_id: AccountId = Field(alias="recipientAccountId")

    additional_event_data: dict[str, Any] | None = Field(default=None, alias="additionalEventData")

    @property
    def is_root(self) -> bool:
        """Root acted itself (a service acting for root sets `invokedBy`)."""
        return self.user_identity.type == "Root" and not self.user_identity.invoked_by


class CloudTrailEvent(EventBridgeModel):
    """An EventBridge event carrying a CloudTrail management event or console sign-in."""

    detail_type: Literal[
        "AWS API Call via CloudTrail",
        "AWS Console Signin via CloudTrail",
        "AWS Console Sign In via CloudTrail",
    ] = Field(alias="detail-type")
    detail: CloudTrailDetail

    @property
    def subject_account(self) -> str:
        """The account the event is about (not the one whose bus delivered it)."""
        return self.detail.recipient_account_id

    @property
    def subject_region(self) -> str:
        return self.detail.aws_region


class ConfigurationItem(BaseModel):
    """The part of an AWS Config configuration item (or its summary) that names the resource."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    resource_type: str = Field(alias="resourceType")
    resource_id: str = Field(alias="resourceId")
    resource_name: str | None = Field(default=None, alias="resourceName")
    account_id: AccountId = Field(alias="awsAccountId")
    region: Region = Field(alias="awsRegion")
    status: str = Field(alias="configurationItemStatus")
    capture_time: datetime = Field(alias="configurationItemCaptureTime")


class ConfigItemDetail(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    message_type: Literal[
        "ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"
    ] = Field(alias="messageType")
    configuration_item: ConfigurationItem | None = Field(default=None, alias="configurationItem")
    # Oversized notifications carry only a summary; it names the resource all the same.
    configuration_item_summary: ConfigurationItem | None = Field(
        default=None, alias="configurationItemSummary"
    )

    @property
    def item(self) -> ConfigurationItem:
        item = self.configuration_item or self.configuration_item_summary
        if item is None:  # pragma: no cover - refused by the validator below
            raise ValueError("no configuration item")
        return item

    @model_validator(mode="after")
    def _names_a_resource(self) -> "ConfigItemDetail":
        if self.configuration_item is None and self.configuration_item_summary is None:
            raise ValueError("neither configurationItem nor configurationItemSummary is present")
        return self


class ConfigItemEvent(EventBridgeModel):
    """An EventBridge event announcing an AWS Config configuration item change."""

    detail_type: Literal["Config Configuration Item Change"] = Field(alias="detail-type")
    detail: ConfigItemDetail

    @property
    def subject_account(self) -> str:
        """The account the event is about (not the one whose bus delivered it)."""
        return self.detail.item.account_id

    @property
    def subject_region(self) -> str:
        return self.detail.item.region


class GuardDutyDetail(BaseModel):
    """A GuardDuty finding as EventBridge delivers it (in the member and the admin account)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str = Field(min_length=1, max_length=300)
    type: str = Field(min_length=1, max_length=300)
    account_id: AccountId = Field(alias="accountId")
    region: Region
    severity: float = Field(ge=0, le=10)
    title: str = ""
    description: str = ""
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    resource: dict[str, Any] = Field(default_factory=dict)
    service: dict[str, Any] = Field(default_factory=dict)


class GuardDutyFindingEvent(EventBridgeModel):
    detail_type: Literal["GuardDuty Finding"] = Field(alias="detail-type")
    detail: GuardDutyDetail

    @property
    def subject_account(self) -> str:
        """The account the event is about (not the one whose bus delivered it)."""
        return self.detail.account_id

    @property
    def subject_region(self) -> str:
        return self.detail.region


Event = Annotated[
    CloudTrailEvent | ConfigItemEvent | GuardDutyFindingEvent, Field(discriminator="detail_type")
]
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


class EventContext(BaseModel):
    """Who caused a change and how: what the evidence and the finding carry about the drift."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str
    event_name: str
    event_time: datetime
    principal_arn: str | None
    principal_type: str
    # For an assumed-role session: the role it was issued for, with its path (CloudTrail's
    # `sessionContext.sessionIssuer.arn`).
    issuer_arn: str | None = None
    source_ip: str | None
    user_agent: str | None
    # Console sign-ins only: whether MFA was used and whether the login succeeded.
    mfa_used: str | None = None
    login_result: str | None = None

    @classmethod
    def from_cloudtrail(cls, event: CloudTrailEvent) -> "EventContext":
        detail = event.detail
        return cls(
            event_id=detail.event_id,
            event_name=detail.event_name,
            event_time=detail.event_time,
            principal_arn=detail.user_identity.arn,
            principal_type=detail.user_identity.type,
            issuer_arn=detail.user_identity.role_arn,
            source_ip=detail.source_ip_address,
            user_agent=detail.user_agent,
            mfa_used=(detail.additional_event_data or {}).get("MFAUsed"),
            login_result=(detail.response_elements or {}).get("ConsoleLogin"),
        )

    @classmethod
    def of(
        cls, event: "CloudTrailEvent | ConfigItemEvent | GuardDutyFindingEvent"
    ) -> "EventContext":
        """What an event says about who or what caused it."""
        if isinstance(event, CloudTrailEvent):
            return cls.from_cloudtrail(event)
        if isinstance(event, ConfigItemEvent):
            item = event.detail.item
            return cls(
                event_id=event.id,
                event_name=f"Config {item.status}",
                event_time=item.capture_time,
                principal_arn=None,
                principal_type="AWSConfig",
                source_ip=None,
                user_agent=None,
            )
        return cls(
            event_id=event.id,
            event_name=f"GuardDuty {event.detail.type}",
            event_time=event.detail.updated_at,
            principal_arn=None,
            principal_type="GuardDuty",
            source_ip=None,
            user_agent=None,
        )
