"""Whether an incoming message may make orgwarden act: the one place that decides it.

Every way in asks here before its first call into a member account: an event from the
governance bus (the evaluator), a sweep task from the evaluation queue (the sweep) and an
invocation by AWS Config (the Config rule). Membership is the organization's own answer
(`Directory`, cached per container).
"""

from collections.abc import Iterable
from typing import NoReturn

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from orgwarden.aws.organization import Directory
from orgwarden.engine.dead_letters import DeadLetterReason
from orgwarden.engine.messages import RejectedEvent, Task
from orgwarden.model.events import ConfigItemEvent, Event, GuardDutyFindingEvent

metrics = Metrics()


# Sources AWS reserves for itself: EventBridge refuses them in PutEvents, so only AWS services
# (and rules forwarding their events between buses) produce them.
AWS_SOURCE_PREFIX = "aws."
# The source each non-CloudTrail kind of event comes from (CloudTrail events carry the source
# of the service called, `aws.<service>`, or `aws.signin` for console sign-ins).
SOURCES = {ConfigItemEvent: "aws.config", GuardDutyFindingEvent: "aws.guardduty"}


class Trust:
    def __init__(self, directory: Directory, guardduty_administrator: str = "") -> None:
        self.directory = directory
        # The GuardDuty delegated administrator, whose bus delivers every member's findings.
        self.guardduty_administrator = guardduty_administrator

    def check_event(self, event: Event) -> None:
        """Act only on AWS's own events, about the account that delivered them, for members.

        The bus accepts PutEvents from every account of the organization, so anything in an
        event but its envelope's `account` (set by EventBridge to the sender) and an `aws.*`
        `source` (which PutEvents refuses) can be written by a member. The account an event is
        about (CloudTrail's `recipientAccountId`, a Config item's `awsAccountId`, a GuardDuty
        finding's `accountId`) must therefore be the sender's; the one exception is a GuardDuty
        finding delivered by the configured delegated administrator. Both accounts must be
        active members.
        """
        source = event.source
        expected = SOURCES.get(type(event))
        if not source.startswith(AWS_SOURCE_PREFIX) or (expected and source != expected):
            self._untrusted(
                f"event {event.id}: source {source!r} is not "
                f"{expected or 'an AWS service source (aws.*)'}",
                DeadLetterReason.UNTRUSTED_SOURCE,
            )
        sender, subject = event.account, event.subject_account
        if not sender:
            self._untrusted(f"event {event.id} names no sending account")
        delegated = (
            isinstance(event, GuardDutyFindingEvent)
            and bool(self.guardduty_administrator)
            and sender == self.guardduty_administrator
        )
        if sender != subject and not delegated:
            self._untrusted(
                f"event {event.id} was delivered by account {sender} but is about account "
                f"{subject}"
                + (
                    "; GuardDuty findings of other accounts are accepted only from the "
                    "delegated administrator"
                    if isinstance(event, GuardDutyFindingEvent)
                    else ""
                )
            )
        for account in sorted({sender, subject}):
            if not self.directory.is_member(account):
                self._untrusted(
                    f"event {event.id}: account {account} is not an active member of the "
                    "organization"
                )

    def check_subjects(self, event: Event, accounts: Iterable[str]) -> None:
        """The accounts an event's rules would act in must be the one it is about: a member's
        event never makes orgwarden read or change another account."""
        others = sorted(set(accounts) - {event.subject_account})
        if others:
            self._untrusted(
                f"event {event.id} is about account {event.subject_account} but names resources "
                f"of {', '.join(others)}"
            )

    def check_task(self, task: Task) -> None:
        """A sweep task's account must be an active member. The sweep asks about every account
        in turn, so membership comes from one listing of the organization per container."""
        if not self.directory.is_active_member(task.account_id):
            raise RejectedEvent(
                f"sweep task {task.sweep_id}: account {task.account_id} is not an active member"
            )

    def check_config_invocation(self, account_id: str) -> None:
        """Config invokes the central function for any account that names it; only members
        are served."""
        if not self.directory.is_member(account_id):
            raise PermissionError(f"{account_id} is not an active member of the organization")

    @staticmethod
    def _untrusted(
        message: str, reason: DeadLetterReason = DeadLetterReason.UNTRUSTED_ACCOUNT
    ) -> NoReturn:
        metrics.add_metric(name="EventsUntrusted", unit=MetricUnit.Count, value=1)
        raise RejectedEvent(message, reason)
