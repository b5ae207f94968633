"""A taggable resource's tags, with everything its required-tags rule needs to judge them."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from orgwarden.model.policy_file import RequiredTag
from orgwarden.model.resources import ResourceRef

# The tag orgwarden sets so a resource without its required tags has a known owner.
CREATED_BY_TAG = "created-by"


class TaggedResource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    ref: ResourceRef
    tags: dict[str, str]
    # The tag policy that applies to this account (per-OU and per-account overrides resolved).
    required: tuple[RequiredTag, ...]
    # False when the tag policy's `resource_types` leave this type out.
    in_scope: bool = True
    # The evaluation time, so that the rule can judge the grace period without a clock.
    now: datetime
    # Who created the resource, when the triggering event is its create call; else None.
    creator: str | None = None
    # Instances only: their lifecycle state, when they were first launched and how long they
    # may run without their tags.
    state: str | None = None
    created_at: datetime | None = None
    grace_period_hours: int | None = None

    @property
    def owner(self) -> str | None:
        return self.tags.get(CREATED_BY_TAG)
