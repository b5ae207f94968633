"""State for the root usage rules: one root action (from the event) and the root credentials."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from orgwarden.model.resources import ResourceRef

CONSOLE_LOGIN = "ConsoleLogin"


class RootAction(BaseModel):
    """One sign-in or API call by the root user, as CloudTrail recorded it.

    Everything here is in the event itself (aws-facts 1: trust the payload for who logged in as
    root and from where); nothing is read from the account.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef  # the account
    event_id: str
    event_name: str
    event_source: str
    event_time: datetime
    source_ip: str | None
    user_agent: str | None
    # Console sign-ins only: "Yes"/"No", and "Success"/"Failure".
    mfa_used: str | None = None
    login_result: str | None = None
    # Set when the call itself failed (e.g. AccessDenied): an attempt is still root usage.
    error_code: str | None = None

    @property
    def is_console_login(self) -> bool:
        return self.event_name == CONSOLE_LOGIN


class RootCredentials(BaseModel):
    """What the account summary says about the root user's credentials."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef  # the account
    access_keys_present: bool
    mfa_enabled: bool
