"""What the evaluation queue carries, as one pydantic model parsed once from a message body.

Three kinds of message share the queue: an EventBridge event (CloudTrail, Config, GuardDuty:
`orgwarden.model.events`), a sweep task (some resource types in one account and region) and an
account sweep task (one account, which the evaluator expands into sweep tasks). `parse_message`
reads a body into one of them or raises `RejectedEvent`, naming the field and a machine-readable
reason. What it returns carries what routing, the log and the dead-letter queue need, so nothing
reads the body again.

AWS payloads grow new fields over time, so the event models allow extra fields; our own task
models forbid them.
"""

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import from_json

from orgwarden.engine.dead_letters import DeadLetterReason, identity_of
from orgwarden.model.events import Event
from orgwarden.model.identifiers import AccountId, Region

SWEEP_ID_PATTERN = r"^[A-Za-z0-9:._-]{1,64}$"
# Most resources one part task names (well inside SQS's 256 KB per message).
MAX_PART_RESOURCES = 500
# Problems a rejection names: enough to mend the producer, short enough for an attribute.
MAX_PROBLEMS = 5


class RejectedEvent(Exception):
    """The message cannot be processed as sent (malformed, untrusted, or an identifier of the
    wrong format).

    Raised with a message that names the field and a machine-readable `reason`; the runtime
    parks the message in the dead-letter queue with both. It is never treated as compliant.
    `identity` is the id the body names, when the body itself was rejected.
    """

    def __init__(
        self,
        message: str,
        reason: DeadLetterReason = DeadLetterReason.MALFORMED,
        *,
        identity: str | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.identity = identity


def problems(error: ValidationError, *, whole: str = "", skip: int = 0) -> str:
    """The rejection text of a validation error: its first problems, each as `field: message`.

    `skip` drops the leading parts of each location (a union's tags); a problem of the whole
    model is named `whole`, or given without a field when `whole` is empty.
    """
    found = []
    for item in error.errors(include_url=False)[:MAX_PROBLEMS]:
        field = ".".join(str(part) for part in item["loc"][skip:]) or whole
        found.append(f"{field}: {item['msg']}" if field else item["msg"])
    return "; ".join(found)


class PartResource(BaseModel):
    """A resource a part task judges: its identifier and region, as its listing gave them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=1024)
    region: Region


class SweepTask(BaseModel):
    """One queued unit of a sweep: the resources of some types in one account and region (all
    of them, or one part of one type's listing)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["sweep"] = "sweep"
    sweep_id: str = Field(pattern=SWEEP_ID_PATTERN)
    account_id: AccountId
    region: Region
    resource_types: tuple[Annotated[str, Field(pattern=r"^Aws[A-Za-z0-9]+$")], ...] = Field(
        min_length=1, max_length=32
    )
    # A part of a listing (one type): the resources to judge (None: list every type's).
    resources: tuple[PartResource, ...] | None = Field(
        default=None, min_length=1, max_length=MAX_PART_RESOURCES
    )
    part: int = Field(default=0, ge=0)  # 0: a listing task; n: the n-th part of a listing
    # Times the task was queued again unfinished (out of time): a new message, a new key.
    resumed: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _a_part_is_of_one_type(self) -> "SweepTask":
        if self.resources is not None and len(self.resource_types) != 1:
            raise ValueError("a part names the resources of one type")
        return self

    @property
    def key(self) -> str:
        """Identifies this exact task (a redelivery has the same key, a continuation not)."""
        digest = hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:32]
        return f"sweep#{self.sweep_id}#{self.account_id}#{digest}"

    @property
    def label(self) -> str:
        types = ",".join(t.removeprefix("Aws") for t in self.resource_types)
        part = f" part {self.part}" if self.part else ""
        resumed = f" (resumed {self.resumed})" if self.resumed else ""
        return f"{self.account_id} {self.region} {types}{part}{resumed}"


class AccountSweep(BaseModel):
    """The producer's unit: one account, expanded by the evaluator into its sweep tasks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["sweep-account"] = "sweep-account"
    sweep_id: str = Field(pattern=SWEEP_ID_PATTERN)
    account_id: AccountId
    regions: tuple[Region, ...] = Field(min_length=1, max_length=64)
    home_region: Region

    @property
    def key(self) -> str:
        return f"sweep#{self.sweep_id}#{self.account_id}#plan"


Task = SweepTask | AccountSweep
TASK_KINDS = ("sweep", "sweep-account")


def _kind(value: Any) -> str:
    """Which model a message is: a task by its `kind`, anything else an EventBridge event."""
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return kind if kind in TASK_KINDS else "event"


# Everything the evaluation queue carries. Validation errors are located under the tag first.
Message = Annotated[
    Annotated[Event, Tag("event")]
    | Annotated[SweepTask, Tag("sweep")]
    | Annotated[AccountSweep, Tag("sweep-account")],
    Discriminator(_kind),
]
MESSAGE_ADAPTER: TypeAdapter[Message] = TypeAdapter(Message)


@dataclass(frozen=True)
class Received:
    """A message body, parsed: the message, the JSON it came as, and the id it is known by."""

    message: Message
    raw: dict[str, Any]
    # The id the dead-letter queue records it under (`dead_letters.identity_of`).
    identity: str | None

    @property
    def correlation_id(self) -> str:
        """What labels the log of its processing: the event's id, or the task's sweep."""
        if isinstance(self.message, Task):
            return f"sweep/{self.message.sweep_id}"
        return self.message.id


def parse_message(body: str) -> Received:
    """Parse an SQS message body, or raise RejectedEvent saying which field is wrong and how."""
    try:
        # pydantic's JSON parser: about four times faster than json.loads on these events.
        raw = from_json(body)
    except ValueError as error:
        raise RejectedEvent(f"body is not JSON: {error}") from error
    if not isinstance(raw, dict):
        raise RejectedEvent(f"body is JSON {type(raw).__name__}, not an EventBridge event object")
    identity = identity_of(raw)
    try:
        message = MESSAGE_ADAPTER.validate_python(raw)
    except ValidationError as error:
        if _kind(raw) == "event":
            what = f"event {str(raw.get('id', '<no id>'))[:64]}"
            text = problems(error, whole="<event>", skip=1)
        else:
            what, text = "sweep task", problems(error, skip=1)
        raise RejectedEvent(f"{what} rejected: {text}", identity=identity) from error
    return Received(message, raw, identity)
