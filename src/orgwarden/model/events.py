"""The events orgwarden accepts, as pydantic models.

AWS payloads grow new fields over time, so these models allow extra fields; a field we rely on
that is missing or of the wrong type rejects the event with a precise reason.
"""

from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import BaseModel, ConfigDict, Field

from orgwarden.model.identifiers import AccountId, Region

CLOUDTRAIL_API_CALL = "AWS API Call via CloudTrail"


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


class CloudTrailEvent(EventBridgeModel):
    """An EventBridge event carrying a CloudTrail management event."""

    detail_type: Literal["AWS API Call via CloudTrail"] = Field(alias="detail-type")
    detail: CloudTrailDetail


class EventContext(BaseModel):
    """Who caused a change and how: what the evidence and the finding carry about the drift."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: str
    event_name: str
    event_time: datetime
    principal_arn: str | None
    principal_type: str
    source_ip: str | None
    user_agent: str | None

    @classmethod
    def from_cloudtrail(cls, event: CloudTrailEvent) -> "EventContext":
        detail = event.detail
        return cls(
            event_id=detail.event_id,
            event_name=detail.event_name,
            event_time=detail.event_time,
            principal_arn=detail.user_identity.arn,
            principal_type=detail.user_identity.type,
            source_ip=detail.source_ip_address,
            user_agent=detail.user_agent,
        )
