"""What a reader or a fix gets to work with in a member account, and how both are declared.

Readers build a rule's `evaluate` input (one cheap read, as the read role), asking for every
fact through `MemberContext.once` so the unit of work's `ReadCache` reads it once; fixes change
the resource (as the remediation role) and declare which of those facts they make stale. Both
declare the IAM actions they need: the member roles' policies are checked against these
declarations.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orgwarden.aws.read_cache import NO_CACHE, ReadCache
from orgwarden.aws.sessions import Sessions
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
    # The facts of the unit of work (the read role's only; fixes always read afresh).
    reads: ReadCache = NO_CACHE

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
        """A fact about this resource (or `subject`, e.g. its account id), read once per unit
        of work (a sweep task or an event); `fact` names the API action that reads it."""
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


# The member account's id in a grant's condition values (the member stack fills it in).
MEMBER_ACCOUNT = "${AWS::AccountId}"


@dataclass(frozen=True)
class Grant:
    """How one of a fix's actions is granted when IAM lets it be narrower than every resource
    of the action's types: on `resource_types` only (names from the Service Authorization
    Reference; empty: all the action's types) and under `conditions` (an IAM `Condition`
    block). A fix that declares grants for an action is granted that action only through them;
    each grant becomes one policy statement."""

    action: str
    conditions: Mapping[str, Mapping[str, str | tuple[str, ...]]] = field(default_factory=dict)
    resource_types: tuple[str, ...] = ()


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
    # The facts (`MemberContext.once` names) that `apply` makes stale, forgotten for the
    # resource and its account after the fix; none declared: everything known about both.
    changes: tuple[str, ...] = ()
    # Narrower grants of some of `permissions` (conditions, fewer resource types).
    grants: tuple[Grant, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        stray = {g.action for g in self.grants} - set(self.permissions)
        if stray:
            raise ValueError(f"{self.name} grants {sorted(stray)} without declaring them")
