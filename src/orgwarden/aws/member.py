"""What a reader or a fix gets to work with in a member account, and how both are declared.

Readers build a rule's `evaluate` input (one cheap read, as the read role); fixes change the
resource (as the remediation role). Both declare the IAM actions they need: the member roles'
policies are checked against these declarations.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orgwarden.aws.sessions import Sessions
from orgwarden.aws.shared_reads import NO_SHARING, SharedReads
from orgwarden.model.events import EventContext
from orgwarden.model.policy_file import PolicyFile
from orgwarden.model.resources import ResourceRef


@dataclass(frozen=True)
class MemberContext:
    sessions: Sessions
    ref: ResourceRef
    role_name: str
    policy: PolicyFile
    now: datetime
    # The part of the event a rule may trust without a read (a GuardDuty finding, a root login).
    payload: Any = None
    cause: EventContext | None = None
    # The account's organizational units, innermost first (ids and names), for per-OU policy.
    ous: tuple[str, ...] = ()
    # Facts already read in this sweep task (the read role's only; fixes always read afresh).
    reads: SharedReads = NO_SHARING

    @property
    def principal(self) -> str:
        return self.sessions.role_arn(self.ref.account_id, self.role_name)

    def client(self, service: str, region: str | None = None) -> Any:
        return self.sessions.client(
            service,
            account_id=self.ref.account_id,
            role_name=self.role_name,
            region=region or self.ref.region,
        )

    def once[T](self, fact: str, read: Callable[[], T], subject: str | None = None) -> T:
        """A fact about this resource (or `subject`), read once per sweep task."""
        return self.reads.once(fact, subject or self.ref.arn, read)


@dataclass(frozen=True)
class Reader:
    name: str
    permissions: tuple[str, ...]
    read: Callable[[MemberContext], Any]


@dataclass(frozen=True)
class Change:
    before: dict[str, Any] | None
    after: dict[str, Any]


@dataclass(frozen=True)
class Remediation:
    """A fix, by name (a verb). Idempotent; `plan` says exactly what `apply` will change."""

    name: str
    permissions: tuple[str, ...]
    plan: Callable[[Any], dict[str, Any]]
    apply: Callable[[MemberContext, Any], Change]
    # Disruptive fixes (stopping an instance, swapping its security groups) are called out in
    # the documentation and never shipped in enforce mode.
    disruptive: bool = False
    # The post-condition on the state read after the fix, for fixes that contain a violation
    # rather than cure it (tagging the creator does not add the missing tags). None: the rule
    # itself must pass after the fix.
    holds: Callable[[Any], bool] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
