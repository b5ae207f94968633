"""The evaluator: one event in, verdicts out, through the same path for every rule.

parse -> route -> resolve (read role) -> evaluate (pure) -> decide -> remediate (remediation
role) -> verify (read again, evaluate again) -> record evidence -> publish (finding-writer role).
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, ValidationError

from orgwarden.aws.errors import AccessDenied, ResourceGone
from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.aws.member import MemberContext, Remediation
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.securityhub import SecurityHubNotEnabled, import_findings
from orgwarden.aws.sessions import Sessions
from orgwarden.decision import Act, Decision, decide
from orgwarden.findings import build_finding, finding_id
from orgwarden.model.events import EVENT_ADAPTER, CloudTrailEvent, Event, EventContext
from orgwarden.model.evidence import ActionRecord, EvidenceRecord
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Status, Verdict
from orgwarden.policy_file import PolicyFile
from orgwarden.settings import Settings
from policies import Catalogue, Rule

logger = Logger(child=True)
metrics = Metrics()


class RejectedEvent(Exception):
    """The event cannot be processed as sent (malformed, or an identifier of the wrong format).

    Raised with a reason that names the field; the batch reports the message as failed and it
    ends in the dead-letter queue. It is never treated as compliant.
    """


class RemediationNotVerified(Exception):
    """A fix was applied but the re-read shows the violation still there; retried via the queue."""


class Outcome(BaseModel):
    """What happened to one (rule, resource) pair for one event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rule_id: str
    resource_id: str
    account_id: str
    region: str
    finding_id: str
    detected: Status
    status: Status
    act: Act
    remediation_outcome: str | None = None


def parse_event(body: str) -> tuple[Event, dict[str, Any]]:
    """Parse an SQS message body into an accepted event, or reject it with a precise reason."""
    try:
        raw = json.loads(body)
    except json.JSONDecodeError as error:
        raise RejectedEvent(f"body is not JSON: {error.msg} at position {error.pos}") from error
    if not isinstance(raw, dict):
        raise RejectedEvent(f"body is JSON {type(raw).__name__}, not an EventBridge event object")
    try:
        event = EVENT_ADAPTER.validate_python(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<event>'}: {e['msg']}"
            for e in error.errors(include_url=False)[:5]
        )
        raise RejectedEvent(
            f"event {str(raw.get('id', '<no id>'))[:64]} rejected: {problems}"
        ) from error
    return event, raw


class Subject(NamedTuple):
    """One resource under evaluation, with what the event said about it."""

    rule: Rule
    ref: ResourceRef
    cause: EventContext | None
    payload: Any


class Evaluator:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        catalogue: Catalogue,
        evidence: EvidenceStore,
        policy: PolicyFile,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.catalogue = catalogue
        self.evidence = evidence
        self.policy = policy
        self.clock = clock

    def process(self, event: Event, raw: dict[str, Any]) -> list[Outcome]:
        failed_call = isinstance(event, CloudTrailEvent) and event.detail.error_code
        matches = self.catalogue.matches(event, raw["detail"])
        if failed_call:
            # The call failed, so nothing changed: only the fact of the call (root activity)
            # is worth judging.
            matches = [m for m in matches if m.key is not None]
            if not matches:
                logger.info("call failed at source; nothing changed")
                metrics.add_metric(name="EventsIgnored", unit=MetricUnit.Count, value=1)
                return []
        if not matches:
            if isinstance(event, CloudTrailEvent) and self.catalogue.routes(
                event.detail.event_source, event.detail.event_name
            ):
                raise RejectedEvent(
                    f"event {event.id} ({event.detail.event_name}) names no resource where its "
                    "rules look for one"
                )
            logger.warning("no rule listens to this event", extra={"event_id": event.id})
            metrics.add_metric(name="EventsUnrouted", unit=MetricUnit.Count, value=1)
            return []
        cause = EventContext.of(event)
        outcomes = []
        for match in matches:
            ref = self._ref(match.rule, match.resource_id, match.account_id, match.region)
            outcome = self.evaluate_resource(
                match.rule, ref, cause, key=match.key, payload=match.payload
            )
            if outcome:
                outcomes.append(outcome)
        return outcomes

    def evaluate_resource(
        self,
        rule: Rule,
        ref: ResourceRef,
        cause: EventContext | None,
        *,
        key: str | None = None,
        payload: Any = None,
    ) -> Outcome | None:
        spec = rule.spec
        mode = self.settings.modes.get(spec.id) or self.policy.mode_for(
            spec.id, spec.default_mode, ref.account_id, ()
        )
        if mode is Mode.OFF:
            return None
        state, detected = self._read_and_evaluate(rule, ref, cause, payload)
        decision = decide(
            spec,
            detected,
            mode=mode,
            principal_arn=cause.principal_arn if cause else None,
            own_role_names=self.settings.own_role_names,
        )
        final, action = detected, None
        remediation = REMEDIATIONS.get(spec.remediation) if spec.remediation else None
        if remediation and detected.status is Status.FAILED:
            if decision.act is Act.REMEDIATE:
                final, action = self._remediate(
                    Subject(rule, ref, cause, payload), state, remediation, decision
                )
            else:
                outcome = "planned" if decision.act is Act.PLAN else "not-attempted"
                plan = remediation.plan(state) if decision.act is Act.PLAN else {}
                action = ActionRecord(
                    remediation=remediation.name,
                    mode=mode,
                    outcome=outcome,
                    reason=decision.reason,
                    planned_change=plan,
                )

        now = self.clock()
        record = EvidenceRecord(
            finding_id=finding_id(spec, ref, key),
            rule_id=spec.id,
            controls=spec.related_requirements(),
            resource=ref,
            status=final.status,
            detected_status=detected.status,
            severity=detected.severity or spec.severity,
            detected_reason=detected.reason,
            reason=final.reason,
            facts=dict(detected.facts),
            observed_at=now,
            cause=cause,
            action=action,
        )
        self.evidence.put(record)
        finding = build_finding(
            spec,
            ref,
            final,
            observed_at=now,
            detected=detected,
            cause=cause,
            action=action,
            key=key,
        )
        writer = self.sessions.client(
            "securityhub",
            account_id=ref.account_id,
            role_name=self.settings.finding_writer_role_name,
            region=ref.region,
        )
        try:
            import_findings(writer, [finding])
        except SecurityHubNotEnabled as error:
            # Nowhere to import (the hub itself is disabled): the evidence record above is the
            # verdict's record; retrying the event cannot help until the hub is back.
            metrics.add_metric(name="FindingsUndeliverable", unit=MetricUnit.Count, value=1)
            logger.error(
                "finding not imported: Security Hub is not enabled",
                extra={"finding_id": finding["Id"], "reason": str(error)},
            )
        metrics.add_metric(
            name=f"Verdict{final.status.value.title().replace('_', '')}",
            unit=MetricUnit.Count,
            value=1,
        )
        logger.info(
            "verdict",
            extra={
                "rule_id": spec.id,
                "resource": ref.arn,
                "account": ref.account_id,
                "detected": detected.status.value,
                "status": final.status.value,
                "act": decision.act.value,
                "reason": final.reason,
            },
        )
        if action and action.outcome == "not-verified":
            metrics.add_metric(name="RemediationsNotVerified", unit=MetricUnit.Count, value=1)
            raise RemediationNotVerified(f"{spec.id} on {ref.arn}: {final.reason}")
        return Outcome(
            rule_id=spec.id,
            resource_id=ref.resource_id,
            account_id=ref.account_id,
            region=ref.region,
            finding_id=record.finding_id,
            detected=detected.status,
            status=final.status,
            act=decision.act,
            remediation_outcome=action.outcome if action else None,
        )

    def _context(
        self, ref: ResourceRef, role: str, cause: EventContext | None, payload: Any
    ) -> MemberContext:
        return MemberContext(
            sessions=self.sessions,
            ref=ref,
            role_name=role,
            policy=self.policy,
            now=self.clock(),
            payload=payload,
            cause=cause,
        )

    def _read_and_evaluate(
        self, rule: Rule, ref: ResourceRef, cause: EventContext | None, payload: Any
    ) -> tuple[Any, Verdict]:
        reader = READERS[rule.spec.reads]
        try:
            state = reader.read(self._context(ref, self.settings.read_role_name, cause, payload))
        except AccessDenied as error:
            metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
            return None, Verdict(
                status=Status.NOT_AVAILABLE, reason=f"Cannot read the resource: {error}"
            )
        except ResourceGone as error:
            return None, Verdict(status=Status.NOT_APPLICABLE, reason=f"Resource is gone: {error}")
        return state, rule.evaluate(state)

    def _remediate(
        self, subject: "Subject", state: Any, remediation: Remediation, decision: Decision
    ) -> tuple[Verdict, ActionRecord]:
        rule, ref, cause, payload = subject
        role = self.settings.remediation_role_name
        common: dict[str, Any] = {
            "remediation": remediation.name,
            "mode": decision.mode,
            "planned_change": remediation.plan(state),
            "actor": self.sessions.role_arn(ref.account_id, role),
            "started_at": self.clock(),
        }
        try:
            change = remediation.apply(self._context(ref, role, cause, payload), state)
        except AccessDenied as error:
            metrics.add_metric(name="RemediationsDenied", unit=MetricUnit.Count, value=1)
            failed = Verdict(status=Status.FAILED, reason=f"Fix could not be applied: {error}")
            action = ActionRecord(
                **common, outcome="denied", reason=str(error), finished_at=self.clock()
            )
            return failed, action
        metrics.add_metric(name="Remediations", unit=MetricUnit.Count, value=1)
        # Verify: read the resource again, as the read role, and judge it with the same rule.
        _, after = self._read_and_evaluate(rule, ref, cause, payload)
        verified = after.status is Status.PASSED
        action = ActionRecord(
            **common,
            outcome="verified" if verified else "not-verified",
            reason=decision.reason
            if verified
            else f"after the fix the rule still says: {after.reason}",
            before=change.before,
            after=change.after,
            finished_at=self.clock(),
        )
        return after, action

    def _ref(self, rule: Rule, resource_id: Any, account_id: str, region: str) -> ResourceRef:
        try:
            return ResourceRef(
                resource_type=rule.spec.resource_type,
                resource_id=str(resource_id) if isinstance(resource_id, str) else repr(resource_id),
                account_id=account_id,
                region=region,
            )
        except ValidationError as error:
            problems = "; ".join(e["msg"] for e in error.errors(include_url=False))
            raise RejectedEvent(f"{rule.spec.id}: resource id rejected: {problems}") from error
