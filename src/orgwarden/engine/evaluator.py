"""The evaluator: one event in, verdicts out, through the same path for every rule.

parse (`orgwarden.engine.messages`) -> route -> trust (`orgwarden.engine.trust`) -> resolve
(read role) -> evaluate (pure) -> decide -> remediate (remediation role) -> verify (read again,
evaluate again) -> record evidence -> publish (finding-writer role).
"""

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict, ValidationError

from orgwarden.aws.control_table import ControlTable
from orgwarden.aws.errors import AccessDenied, ResourceGone
from orgwarden.aws.evidence_store import EvidenceStore
from orgwarden.aws.member import MemberContext, Remediation
from orgwarden.aws.organization import Directory
from orgwarden.aws.read_cache import NO_CACHE, ReadCache
from orgwarden.aws.readers import READERS
from orgwarden.aws.remediations import REMEDIATIONS
from orgwarden.aws.securityhub import (
    HUMAN_WORKFLOW,
    SecurityHubNotEnabled,
    import_findings,
    set_workflow,
    workflow_status,
)
from orgwarden.aws.sessions import Sessions
from orgwarden.aws.tags import read_tags
from orgwarden.engine.dead_letters import DeadLetterReason
from orgwarden.engine.decision import Act, Decision, Guards, decide
from orgwarden.engine.exemptions import ExemptionCheck, find_exemption
from orgwarden.engine.findings import build_finding, finding_id, product_arn
from orgwarden.engine.messages import RejectedEvent, Task, parse_message, problems
from orgwarden.engine.scope import EvaluationScope, Publication
from orgwarden.engine.settings import Settings
from orgwarden.engine.trust import Trust
from orgwarden.model.events import CloudTrailEvent, Event, EventContext
from orgwarden.model.evidence import ActionRecord, EvidenceRecord
from orgwarden.model.policy_file import PolicyFile
from orgwarden.model.principals import ArnPattern, identity_of
from orgwarden.model.resource_types import RESOURCE_TYPES
from orgwarden.model.resources import ResourceRef
from orgwarden.model.spec import Mode, Status, Verdict, clip
from policies import Catalogue, Rule
from policies.catalogue import Match

logger = Logger(child=True)
metrics = Metrics()


# Outcomes of a fix whose verification read the resource again.
VERIFIED_OUTCOMES = ("verified", "not-verified")


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
    """The event a message body holds, with its JSON, or RejectedEvent saying why there is
    none: `parse_message` for those that hold an event (tools, benchmarks, tests)."""
    received = parse_message(body)
    if isinstance(received.message, Task):
        raise RejectedEvent(f"body holds a {received.message.kind} task, not an event")
    return received.message, received.raw


class Subject(NamedTuple):
    """One resource under evaluation, with what the event said about it."""

    rule: Rule
    ref: ResourceRef
    cause: EventContext | None
    payload: Any
    ous: tuple[str, ...]
    # What the read role has read already in this unit of work (a sweep task or an event).
    reads: ReadCache = NO_CACHE


# A create answered "not found" is usually a read that ran ahead of the service: retry it
# with these delays (seconds) before calling the resource gone.
STALE_READ_DELAYS = (0.5, 1.0, 2.0)
STALE_READ_WINDOW = timedelta(minutes=5)
FIX_LEASE_SECONDS = 120
# Errors of our own reading or judging code about one resource (a field AWS left out, a shape
# not foreseen): that resource's rules report NOT_AVAILABLE, naming the error, and the event or
# sweep task goes on. AWS errors (throttling, outages) still propagate, so the queue retries.
UNEXPECTED = (LookupError, TypeError, ValueError, AttributeError)
# The fact a verdict carries when the read found the resource gone (ResourceGone).
GONE_FACT = "resource_gone"

# Runs an event's evaluation once (the runtime's idempotency), returning its outcomes.
Once = Callable[[Callable[[], list["Outcome"]]], list["Outcome"]]


class Evaluator:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        catalogue: Catalogue,
        evidence: EvidenceStore,
        policy: PolicyFile,
        *,
        control: ControlTable,
        directory: Directory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if control is None or directory is None:
            # Without them the fix lease and the trust check would be skipped, silently.
            raise TypeError("an Evaluator needs its control table and the organization directory")
        self.settings = settings
        self.sessions = sessions
        self.catalogue = catalogue
        self.evidence = evidence
        self.policy = policy
        self.control = control
        self.directory = directory
        self.trust = Trust(directory, settings.guardduty_administrator_account)
        self.break_glass = tuple(
            ArnPattern(text) for text in (*policy.break_glass, *settings.break_glass)
        )
        self.clock = clock
        self.sleep = sleep

    def process(
        self, event: Event, raw: dict[str, Any], *, once: Once | None = None
    ) -> list[Outcome]:
        """Evaluate every (rule, resource) the event names, as one unit of work.

        `once` wraps that unit (the runtime makes it idempotent per event); what rejects the
        event (no rule, an untrusted account, a malformed identifier) is found before it.
        """
        self.trust.check_event(event)
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
            if isinstance(event, CloudTrailEvent) and self.catalogue.expects_resource(
                event.detail.event_source, event.detail.event_name
            ):
                raise RejectedEvent(
                    f"event {event.id} ({event.detail.event_name}) names no resource where its "
                    "rules look for one",
                    DeadLetterReason.MISSING_RESOURCE,
                )
            logger.warning("no rule listens to this event", extra={"event_id": event.id})
            metrics.add_metric(name="EventsUnrouted", unit=MetricUnit.Count, value=1)
            return []
        self.trust.check_subjects(event, (m.account_id for m in matches))
        # Validate every identifier before the first API call for any of them.
        refs = [self._ref(m.rule, m.resource_id, m.account_id, m.region) for m in matches]
        evaluate = partial(self._evaluate_all, matches, refs, EventContext.of(event))
        return once(evaluate) if once else evaluate()

    def _evaluate_all(
        self, matches: list[Match], refs: list[ResourceRef], cause: EventContext
    ) -> list[Outcome]:
        """Evaluate an event's matches, sharing one scope: each fact read once for all of them,
        the prior states of their findings in one read, the evidence in one transaction and the
        findings in one import per account and region, sent at the end.

        A fix that does not verify does not stop the other rules: every match is judged and
        recorded, then the first such failure is raised, so the queue retries the event.
        Another error stops the event, and what was judged before it is still sent.
        """
        scope = EvaluationScope(reads=ReadCache(self.clock))
        scope.states |= self.evidence.states(
            finding_id(m.rule.spec, ref, m.key) for m, ref in zip(matches, refs, strict=True)
        )
        outcomes: list[Outcome] = []
        not_verified: RemediationNotVerified | None = None
        try:
            for match, ref in zip(matches, refs, strict=True):
                try:
                    outcome = self.evaluate_resource(
                        match.rule,
                        ref,
                        cause,
                        key=match.key,
                        payload=match.payload,
                        scope=scope,
                    )
                except RemediationNotVerified as error:
                    not_verified = not_verified or error
                    continue
                if outcome:
                    outcomes.append(outcome)
            judged = {r.finding_id for r in scope.records}
            for gone, why in list(scope.gone.items()):
                outcomes += self.archive_findings(
                    [gone], why, scope, keep=judged, reason="the resource is gone"
                )
        finally:
            self.flush(scope)
        if not_verified:
            raise not_verified
        return outcomes

    def evaluate_resource(
        self,
        rule: Rule,
        ref: ResourceRef,
        cause: EventContext | None,
        *,
        key: str | None = None,
        payload: Any = None,
        known: Verdict | None = None,
        scope: EvaluationScope,
    ) -> Outcome | None:
        """Evaluate one resource. `known` is a verdict reached without reading it (the sweep
        could not list the account's resources): it is recorded and published the same way.

        Within its scope (a sweep task or an event), the prior state comes from the scope's
        batch read, facts the scope has read already are reused, and the evidence record and
        finding are queued for `flush`.
        """
        spec = rule.spec
        ous = self._ous(ref.account_id)
        mode = self.settings.modes.get(spec.id) or self.policy.mode_for(
            spec.id, spec.default_mode, ref.account_id, ous
        )
        if mode is Mode.OFF:
            return None
        subject = Subject(rule, ref, cause, payload, ous, scope.reads)
        fid = finding_id(spec, ref, key)
        prior = scope.prior(fid) if scope.knows(fid) else self.evidence.latest(fid)
        scope.reads.mark()
        state, detected = (None, known) if known else self._read_and_evaluate(subject)
        read_at = scope.reads.oldest()
        if detected.facts.get(GONE_FACT) and not known:
            scope.gone.setdefault(ref, cause)
        exemption, exemption_unknown = ExemptionCheck(active=None), None
        if detected.status is Status.FAILED:
            exemption, exemption_unknown = self._exemption(subject)
        guards = Guards(
            mode=mode,
            principal_arn=cause.principal_arn if cause else None,
            identity=identity_of(cause.principal_arn, cause.issuer_arn) if cause else None,
            own_roles=tuple(
                self.sessions.role_arn(ref.account_id, name)
                for name in self.settings.own_role_names
            ),
            break_glass=self.break_glass,
            resource_account=ref.account_id,
            waiver=exemption.active,
            exemption_unknown=exemption_unknown is not None,
            target=identity_of(detected.acts_on) if detected.acts_on else None,
            target_unknown=bool(detected.acts_on) and identity_of(detected.acts_on) is None,
        )
        decision = decide(spec, detected, guards)
        if decision.act is Act.REMEDIATE and prior is not None:
            # A person may have suppressed the finding in Security Hub: that waiver stands.
            workflow = workflow_status(self._writer(ref), fid, product_arn(ref))
            guards = guards.model_copy(update={"suppressed_by_human": workflow == HUMAN_WORKFLOW})
            decision = decide(spec, detected, guards)
        if decision.act is Act.REMEDIATE:
            decision = decide(spec, detected, self._coordinate(subject, fid, guards))
        if exemption.problems:
            metrics.add_metric(name="ExemptionsLapsed", unit=MetricUnit.Count, value=1)

        final, action = self._act(subject, state, detected, decision)

        # The record carries the time of the read it judged (the verification's, after a fix),
        # not of its writing: a worker that read before another's fix and writes after it
        # never outranks that fix (the evidence keeps the newest read as the current state).
        now = scope.reads.oldest() if action and action.outcome in VERIFIED_OUTCOMES else read_at
        notes = list(exemption.problems)
        if exemption_unknown:
            notes.append(exemption_unknown)
        record = EvidenceRecord(
            finding_id=fid,
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
            mode=mode,
            decision=decision.act.value,
            decision_reason=decision.reason,
            exemption=exemption.active,
            notes=notes,
            first_observed_at=(prior.first_observed_at or prior.observed_at) if prior else now,
        )
        scope.records.append(record)
        finding = build_finding(
            spec,
            ref,
            final,
            observed_at=now,
            detected=detected,
            cause=cause,
            action=action,
            key=key,
            notes=notes,
            first_observed_at=record.first_observed_at,
        )
        publication = Publication(
            ref, finding, _workflow(decision, action, final), prior is not None
        )
        scope.publications.append(publication)
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
            finding_id=fid,
            detected=detected.status,
            status=final.status,
            act=decision.act,
            remediation_outcome=action.outcome if action else None,
        )

    def archive_findings(
        self,
        refs: Iterable[ResourceRef],
        cause: EventContext | None,
        scope: EvaluationScope,
        *,
        keep: set[str],
        reason: str,
        unchanged_since: datetime | None = None,
    ) -> list[Outcome]:
        """Archive every open finding, of every rule, about resources that are gone: each is
        judged NOT_APPLICABLE (RecordState ARCHIVED) and recorded, the same way as a read that
        finds a resource gone. The evidence store knows which findings are open.

        `keep` names findings already judged in this scope; `unchanged_since`, when given,
        spares findings recorded after it (a listing can lag a create).
        """
        wanted = {_place(ref): ref for ref in refs}
        if not wanted:
            return []
        accounts = {ref.account_id for ref in wanted.values()}
        outcomes = []
        for account_id in sorted(accounts):
            for record in self._current(account_id, scope):
                if _place(record.resource) not in wanted or record.finding_id in keep:
                    continue
                if record.status is Status.NOT_APPLICABLE:
                    continue  # archived already
                if unchanged_since and record.observed_at >= unchanged_since:
                    continue
                rule = self.catalogue.rules.get(record.rule_id)
                if rule is None:
                    continue  # a retired rule's findings are archived by its retirement
                rebuilt, key = _key_of(rule, record.resource, record.finding_id)
                if not rebuilt:
                    logger.error(
                        "finding id not rebuilt; not archived",
                        extra={"finding_id": record.finding_id},
                    )
                    continue
                gone = Verdict(
                    status=Status.NOT_APPLICABLE,
                    reason=f"Resource is gone: {reason}."[:1024],
                    facts={GONE_FACT: True},
                )
                outcome = self.evaluate_resource(
                    rule, record.resource, cause, key=key, known=gone, scope=scope
                )
                keep.add(record.finding_id)
                if outcome:
                    outcomes.append(outcome)
        if outcomes:
            metrics.add_metric(name="FindingsArchived", unit=MetricUnit.Count, value=len(outcomes))
        return outcomes

    def archive_unlisted(
        self,
        resource_type: str,
        account_id: str,
        region: str,
        *,
        listed: set[str],
        listed_at: datetime,
        scope: EvaluationScope,
    ) -> list[Outcome]:
        """Archive the open findings about resources of a type that a complete listing of the
        account (and region, for a regional type) no longer names. Findings recorded shortly
        before the listing are spared: a listing can lag a create."""
        entry = RESOURCE_TYPES.get(resource_type)
        regional = entry is None or entry.arn is None or entry.arn.regional
        unlisted = {
            record.resource
            for record in self._current(account_id, scope)
            if record.resource.resource_type == resource_type
            and (record.resource.region == region or not regional)
            and record.resource.resource_id not in listed
            and record.status is not Status.NOT_APPLICABLE
        }
        return self.archive_findings(
            sorted(unlisted, key=lambda r: (r.region, r.resource_id)),
            None,
            scope,
            keep={r.finding_id for r in scope.records},
            reason="the sweep's listing of the account no longer names it",
            unchanged_since=listed_at - STALE_READ_WINDOW,
        )

    def _current(self, account_id: str, scope: EvaluationScope) -> list[EvidenceRecord]:
        if account_id not in scope.current:
            scope.current[account_id] = self.evidence.current_by_account(account_id)
        return scope.current[account_id]

    def _act(
        self, subject: Subject, state: Any, detected: Verdict, decision: Decision
    ) -> tuple[Verdict, ActionRecord | None]:
        """Carry out the decision: the final verdict, and what was done (or planned)."""
        spec = subject.rule.spec
        fix_name = detected.remediation or spec.remediation
        if fix_name and fix_name not in (spec.remediation, *spec.escalations):
            raise ValueError(f"{spec.id} asks for {fix_name}, which its spec does not declare")
        remediation = REMEDIATIONS.get(fix_name) if fix_name else None
        if decision.act is Act.EXEMPT:
            suppressed = Verdict(
                status=Status.WARNING,
                reason=clip(f"{detected.reason} Suppressed: {decision.reason}"),
                facts=detected.facts,
                severity=detected.severity,
            )
            return suppressed, None
        if remediation is None or detected.status is not Status.FAILED:
            return detected, None
        if decision.act is Act.REMEDIATE:
            return self._remediate(subject, state, remediation, decision)
        planned = decision.act is Act.PLAN
        return detected, ActionRecord(
            remediation=remediation.name,
            mode=decision.mode,
            outcome="planned" if planned else "not-attempted",
            reason=decision.reason,
            planned_change=remediation.plan(state) if planned else {},
        )

    def _writer(self, ref: ResourceRef) -> Any:
        return self.sessions.client(
            "securityhub",
            account_id=ref.account_id,
            role_name=self.settings.finding_writer_role_name,
            region=ref.region,
        )

    def publish(self, publications: list[Publication]) -> None:
        """Import findings into their member accounts' Security Hub, as the writer role (calls
        of up to 100 per account and region), and move their workflow: a new finding takes it
        from the import; an existing one only through BatchUpdateFindings (Security Hub ignores
        Workflow and Note on an update)."""
        by_place: dict[tuple[str, str], list[Publication]] = {}
        for publication in publications:
            place = (publication.ref.account_id, publication.ref.region)
            by_place.setdefault(place, []).append(publication)
        for group in by_place.values():
            writer = self._writer(group[0].ref)
            findings = [_with_new_workflow(p) for p in group]
            try:
                import_findings(writer, findings)
                for p in group:
                    if p.workflow and p.existed:
                        set_workflow(writer, p.finding["Id"], p.finding["ProductArn"], *p.workflow)
            except SecurityHubNotEnabled as error:
                # Nowhere to import (the hub itself is disabled): the evidence record is the
                # verdict's record; retrying the event cannot help until the hub is back.
                metrics.add_metric(name="FindingsUndeliverable", unit=MetricUnit.Count, value=1)
                logger.error(
                    "finding not imported: Security Hub is not enabled",
                    extra={"finding_ids": [f["Id"] for f in findings][:10], "reason": str(error)},
                )

    def flush(self, scope: EvaluationScope) -> None:
        """Send what a scope's evaluations queued: evidence first, then the findings."""
        records, scope.records = scope.records, []
        publications, scope.publications = scope.publications, []
        self.evidence.put_all(records, scope.states)
        self.publish(publications)

    def _ous(self, account_id: str) -> tuple[str, ...]:
        """The account's OUs, looked up only when the policy file scopes anything by OU."""
        if not self.policy.scopes_by_ou:
            return ()
        return self.directory.ous(account_id)

    def _context(self, subject: Subject, role: str) -> MemberContext:
        # Only the read role's reads are kept; a fix reads what it changes afresh.
        reads = subject.reads if role == self.settings.read_role_name else NO_CACHE
        return MemberContext(
            sessions=self.sessions,
            ref=subject.ref,
            role_name=role,
            policy=self.policy,
            now=self.clock(),
            payload=subject.payload,
            cause=subject.cause,
            ous=subject.ous,
            reads=reads,
        )

    def _read_and_evaluate(self, subject: Subject) -> tuple[Any, Verdict]:
        reader = READERS[subject.rule.spec.reads]
        context = self._context(subject, self.settings.read_role_name)
        delays = list(STALE_READ_DELAYS) if self._just_created(subject.cause) else []
        while True:
            try:
                state = reader.read(context)
            except AccessDenied as error:
                metrics.add_metric(name="AccessDenied", unit=MetricUnit.Count, value=1)
                return None, Verdict(
                    status=Status.NOT_AVAILABLE, reason=f"Cannot read the resource: {error}"
                )
            except ResourceGone as error:
                if delays:
                    # Eventual consistency right after a create: read again before judging.
                    self.sleep(delays.pop(0))
                    subject.reads.forget(subject.ref)
                    continue
                return None, Verdict(
                    status=Status.NOT_APPLICABLE,
                    reason=f"Resource is gone: {error}",
                    facts={GONE_FACT: True},
                )
            except UNEXPECTED as error:
                # A bug or a shape we did not foresee in one resource's answer: that resource is
                # not judged (NOT_AVAILABLE, naming the error); the others still are.
                metrics.add_metric(name="UnexpectedErrors", unit=MetricUnit.Count, value=1)
                logger.exception(
                    "unexpected error reading a resource", extra={"resource": subject.ref.arn}
                )
                return None, _unexpected(error)
            try:
                return state, subject.rule.evaluate(state)
            except UNEXPECTED as error:
                metrics.add_metric(name="UnexpectedErrors", unit=MetricUnit.Count, value=1)
                logger.exception(
                    "unexpected error judging a resource", extra={"resource": subject.ref.arn}
                )
                return state, _unexpected(error)

    def _just_created(self, cause: EventContext | None) -> bool:
        return (
            cause is not None
            and cause.event_name.startswith(("Create", "Run"))
            and self.clock() - cause.event_time < STALE_READ_WINDOW
        )

    def _exemption(self, subject: Subject) -> tuple[ExemptionCheck, str | None]:
        """The exemption that applies now, or why we could not tell (tags unreadable)."""
        try:
            tags = read_tags(self._context(subject, self.settings.read_role_name))
        except (AccessDenied, ResourceGone) as error:
            return ExemptionCheck(active=None), f"exemption tags could not be read: {error}"
        except UNEXPECTED as error:
            metrics.add_metric(name="UnexpectedErrors", unit=MetricUnit.Count, value=1)
            logger.exception("unexpected error reading exemption tags")
            reason = f"exemption tags could not be read: {type(error).__name__}: {error}"
            return ExemptionCheck(active=None), reason
        ref = subject.ref
        check = find_exemption(
            self.policy,
            subject.rule.spec.id,
            account_id=ref.account_id,
            resource_id=ref.resource_id,
            tags=tags,
            today=self.clock().date(),
        )
        return check, None

    def _coordinate(self, subject: Subject, fid: str, guards: Guards) -> Guards:
        """Take the fix lease and a rate-limit slot; the guards say which one was refused."""
        now = self.clock()
        owner = f"{subject.cause.event_id if subject.cause else 'sweep'}#{fid}"
        limit = self.policy.rate_limit
        refused = self.control.reserve_fix(
            fid,
            owner,
            now,
            FIX_LEASE_SECONDS,
            scope=f"{subject.ref.account_id}#{subject.rule.spec.id}",
            limit=limit.limit,
            window_minutes=limit.window_minutes,
        )
        if refused == "lease":
            metrics.add_metric(name="FixesAlreadyUnderWay", unit=MetricUnit.Count, value=1)
            return guards.model_copy(update={"fix_in_progress": True})
        if refused == "rate":
            metrics.add_metric(name="RemediationsRateLimited", unit=MetricUnit.Count, value=1)
            return guards.model_copy(update={"rate_limited": True})
        return guards

    def _remediate(
        self, subject: Subject, state: Any, remediation: Remediation, decision: Decision
    ) -> tuple[Verdict, ActionRecord]:
        ref = subject.ref
        role = self.settings.remediation_role_name
        common: dict[str, Any] = {
            "remediation": remediation.name,
            "mode": decision.mode,
            "planned_change": remediation.plan(state),
            "actor": self.sessions.role_arn(ref.account_id, role),
            "started_at": self.clock(),
        }
        try:
            change = remediation.apply(self._context(subject, role), state)
        except AccessDenied as error:
            metrics.add_metric(name="RemediationsDenied", unit=MetricUnit.Count, value=1)
            failed = Verdict(status=Status.FAILED, reason=f"Fix could not be applied: {error}")
            action = ActionRecord(
                **common, outcome="denied", reason=str(error), finished_at=self.clock()
            )
            return failed, action
        metrics.add_metric(name="Remediations", unit=MetricUnit.Count, value=1)
        # Verify: read the resource again, as the read role, and judge it with the same rule.
        # What the fix changed is not trusted from before it, by this rule or another.
        subject.reads.forget(ref, remediation.changes)
        subject.reads.mark()
        state_after, after = self._read_and_evaluate(subject._replace(cause=None))
        if remediation.holds is None:
            verified = after.status is Status.PASSED
        else:
            verified = state_after is not None and remediation.holds(state_after)
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
        return resource_ref(rule, resource_id, account_id, region)


def resource_ref(rule: Rule, resource_id: Any, account_id: str, region: str) -> ResourceRef:
    """The validated reference to a resource named by an event, or RejectedEvent saying why."""
    try:
        return ResourceRef(
            resource_type=rule.spec.resource_type,
            resource_id=resource_id if isinstance(resource_id, str) else repr(resource_id)[:200],
            account_id=account_id,
            region=region,
        )
    except ValidationError as error:
        raise RejectedEvent(
            f"{rule.spec.id}: resource id rejected: {problems(error)}",
            DeadLetterReason.INVALID_IDENTIFIER,
        ) from error


def _unexpected(error: Exception) -> Verdict:
    return Verdict(
        status=Status.NOT_AVAILABLE,
        reason=clip(f"Unexpected error about this resource: {type(error).__name__}: {error}"),
    )


def _place(ref: ResourceRef) -> tuple[str, str, str, str]:
    """Where a resource is, as far as its identity goes: a global type (buckets) is the same
    resource whatever region a record names."""
    entry = RESOURCE_TYPES.get(ref.resource_type)
    regional = entry is None or entry.arn is None or entry.arn.regional
    return (ref.resource_type, ref.account_id, ref.region if regional else "", ref.resource_id)


def _key_of(rule: Rule, ref: ResourceRef, fid: str) -> tuple[bool, str | None]:
    """Whether `fid` can be rebuilt for this rule and resource, and the occurrence key that
    rebuilds it (None: the finding is the resource's own)."""
    if finding_id(rule.spec, ref) == fid:
        return True, None
    key = fid.split("/", 4)[-1]
    return finding_id(rule.spec, ref, key) == fid, key


def _workflow(
    decision: Decision, action: ActionRecord | None, final: Verdict
) -> tuple[str, str] | None:
    """The Security Hub workflow this evaluation moves its finding to, with the note saying
    why; None leaves the workflow as it is (a person's choice, or Security Hub's reset).

    RESOLVED only for a finding whose compliance is PASSED: a fix that holds (the creator is
    tagged) while the rule still fails (other tags are missing) leaves the finding NOTIFIED.
    """
    if decision.act is Act.EXEMPT:
        return "SUPPRESSED", f"orgwarden: {decision.reason}"
    if action is None or action.outcome not in ("verified", "not-verified"):
        return None
    who = f"{action.remediation} as {action.actor}"
    if action.outcome == "verified" and final.status is Status.PASSED:
        return "RESOLVED", f"orgwarden fixed this ({who}) and verified it by reading it again."
    if action.outcome == "verified":
        return "NOTIFIED", (
            f"orgwarden applied {who} and verified it, but the rule still fails: {final.reason}"
        )
    return "NOTIFIED", f"orgwarden applied {who}, but the re-read still fails; retrying."


def _with_new_workflow(publication: Publication) -> dict[str, Any]:
    """The finding to import: a new one carries its workflow and note in the import itself."""
    finding = publication.finding
    if publication.workflow and not publication.existed:
        status, note = publication.workflow
        note_of = {"Text": note[:512], "UpdatedBy": "orgwarden", "UpdatedAt": finding["UpdatedAt"]}
        finding = {**finding, "Workflow": {"Status": status}, "Note": note_of}
    return finding
