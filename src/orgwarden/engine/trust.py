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
from orgwarden.model.events import CloudTrailEvent, Event

metrics = Metrics()


class Trust:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory

    def check_event(self, event: Event, accounts: Iterable[str]) -> None:
        """Act only for accounts of our organization, on events their own account delivered.

        `accounts` are those the event's rules would act in. The bus admits only the
        organization's accounts, and EventBridge refuses `aws.*` sources from PutEvents, so an
        event claiming another account's CloudTrail is forged or misrouted. GuardDuty findings
        legitimately arrive from the delegated administrator.
        """
        if (
            isinstance(event, CloudTrailEvent)
            and event.account
            and event.account != event.detail.recipient_account_id
        ):
            self._untrusted(
                f"event {event.id} was delivered by account {event.account} but claims account "
                f"{event.detail.recipient_account_id}"
            )
        for account in sorted({event.account, *accounts} - {""}):
            if not self.directory.is_member(account):
                self._untrusted(
                    f"event {event.id}: account {account} is not an active member of the "
                    "organization"
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
    def _untrusted(message: str) -> NoReturn:
        metrics.add_metric(name="EventsUntrusted", unit=MetricUnit.Count, value=1)
        raise RejectedEvent(message, DeadLetterReason.UNTRUSTED_ACCOUNT)
