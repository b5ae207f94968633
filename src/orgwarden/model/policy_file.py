"""The organization's policy file: required tags, modes, exemptions, break-glass, rate limits.

One validated YAML file (`src/orgwarden/engine/policy.yaml` unless `ORGWARDEN_POLICY_FILE` names
another), so a platform team reviews every control in one place. A wrong entry fails at load
with the file, the line and what is wrong; nothing falls back silently to a default.
"""

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any, Literal

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from orgwarden.model.identifiers import ACCOUNT_ID_PATTERN
from orgwarden.model.principals import ArnPattern
from orgwarden.model.resource_types import TAGGABLE_TYPES
from orgwarden.model.spec import Mode

OU_ID_PATTERN = r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$"


class PolicyFileError(Exception):
    """The policy file is invalid; the message names the file, the line and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported once, as a validation error


@cache
def tag_pattern(pattern: str) -> Any:
    """A tag value pattern, compiled by RE2.

    Tag values are written by whoever administers the account, so a pattern is matched in time
    linear in the value: RE2 has no backtracking, and refuses what would need it (backreferences,
    lookaround). Python's `re` takes exponential time on patterns such as `([a-z0-9]+-?)+`.
    """
    try:
        return re2.compile(pattern, _RE2_OPTIONS)
    except re2.error as error:
        text = error.args[0] if error.args else error
        detail = text.decode() if isinstance(text, bytes) else text
        raise ValueError(
            f"pattern {pattern!r} is not accepted by RE2 (linear-time matching; no "
            f"backreferences or lookaround): {detail}"
        ) from error


class RequiredTag(_Strict):
    key: str = Field(min_length=1, max_length=128)
    # Allowed values (exact), or a regular expression the value must match; neither: any value.
    allowed: tuple[str, ...] = ()
    pattern: str | None = None
    # Other keys accepted in place of `key` (key comparison is otherwise exact).
    aliases: tuple[str, ...] = ()

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            tag_pattern(value)  # raises ValueError naming what RE2 refused
        return value

    def value_matches(self, value: str) -> bool:
        """Whether a tag value matches `pattern` as a whole (in linear time: see `tag_pattern`)."""
        return self.pattern is not None and tag_pattern(self.pattern).fullmatch(value) is not None


class Scope(_Strict):
    """Where an override applies: an account, or every account under an OU (by id or name)."""

    account: str | None = Field(default=None, pattern=ACCOUNT_ID_PATTERN)
    ou: str | None = None

    @model_validator(mode="after")
    def _one(self) -> "Scope":
        if (self.account is None) == (self.ou is None):
            raise ValueError("give exactly one of `account` or `ou`")
        return self

    def applies(self, account_id: str, ous: Sequence[str]) -> bool:
        return self.account == account_id if self.account else self.ou in ous

    def specificity(self, ous: Sequence[str]) -> int:
        """The most specific override wins: an account, then the innermost OU (`ous` lists
        the account's OUs innermost first)."""
        if self.account:
            return len(ous) + 1
        if self.ou is None or self.ou not in ous:
            return 0
        return len(ous) - list(ous).index(self.ou)


class TagOverride(_Strict):
    scope: Scope
    required: tuple[RequiredTag, ...]


class TagPolicy(_Strict):
    required: tuple[RequiredTag, ...]
    resource_types: tuple[Literal[TAGGABLE_TYPES], ...] = TAGGABLE_TYPES  # type: ignore[valid-type]
    # After this long without its tags, an instance is stopped (if the rule is enforced).
    grace_period_hours: int = Field(default=24, ge=0, le=24 * 90)
    overrides: tuple[TagOverride, ...] = ()

    def required_for(self, account_id: str, ous: Sequence[str]) -> tuple[RequiredTag, ...]:
        applicable = [o for o in self.overrides if o.scope.applies(account_id, ous)]
        if not applicable:
            return self.required
        return max(applicable, key=lambda o: o.scope.specificity(ous)).required


class ModeOverride(_Strict):
    scope: Scope
    rules: dict[str, Mode]


class Exemption(_Strict):
    """A documented waiver: still evaluated and recorded, never remediated, until it expires."""

    rules: tuple[str, ...] = Field(min_length=1)
    account: str = Field(pattern=ACCOUNT_ID_PATTERN)
    resource: str = Field(min_length=1)  # the resource id as in findings (bucket name, i-...)
    owner: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    expires: date


class RateLimit(_Strict):
    """At most `limit` remediations per account and rule within `window_minutes`."""

    limit: int = Field(default=10, ge=1)
    window_minutes: int = Field(default=60, ge=1)


class RemediationOptions(_Strict):
    # SSE-KMS with this key for bucket default encryption; SSE-S3 when unset.
    s3_kms_key_id: str | None = None
    quarantine_security_group_name: str = "orgwarden-quarantine"


class PolicyFile(_Strict):
    version: Literal[1]
    tag_policy: TagPolicy
    modes: dict[str, Mode] = Field(default_factory=dict)
    mode_overrides: tuple[ModeOverride, ...] = ()
    exemptions: tuple[Exemption, ...] = ()
    # Principals whose changes are reported, not reverted: IAM role or user ARN patterns, `*`
    # and `?` wildcards that never cross a `/` (`orgwarden.model.principals.ArnPattern`).
    break_glass: tuple[str, ...] = ()
    # The resource tag that exempts a resource: value "<rule>[ <rule>...]:<YYYY-MM-DD>".
    exemption_tag: str = "orgwarden:exempt"
    rate_limit: RateLimit = RateLimit()
    remediation: RemediationOptions = RemediationOptions()

    @field_validator("break_glass")
    @classmethod
    def _break_glass_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for text in value:
            ArnPattern(text)  # raises ValueError naming what is wrong
        return value

    @property
    def scopes_by_ou(self) -> bool:
        """Whether any override needs the account's OUs (so they are looked up at all)."""
        scopes = [o.scope for o in self.mode_overrides]
        scopes += [o.scope for o in self.tag_policy.overrides]
        return any(scope.ou for scope in scopes)

    def mode_for(self, rule_id: str, default: Mode, account_id: str, ous: Sequence[str]) -> Mode:
        applicable = [
            o
            for o in self.mode_overrides
            if rule_id in o.rules and o.scope.applies(account_id, ous)
        ]
        if applicable:
            return max(applicable, key=lambda o: o.scope.specificity(ous)).rules[rule_id]
        return self.modes.get(rule_id, default)


def load_policy_file(path: Path, known_rules: Sequence[str] | None = None) -> PolicyFile:
    """Load and validate `path`; unknown rule ids are errors when `known_rules` is given."""
    text = path.read_text()
    try:
        root = yaml.compose(text)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyFileError(f"{path}: not valid YAML: {error}") from error
    try:
        policy = PolicyFile.model_validate(data)
    except ValidationError as error:
        problems = [
            f"{path}:{_line(root, err['loc'])}: {'.'.join(map(str, err['loc'])) or '<file>'}: "
            f"{err['msg']}"
            for err in error.errors(include_url=False)
        ]
        raise PolicyFileError("\n".join(problems)) from error
    if known_rules is not None:
        _check_rule_ids(path, root, policy, set(known_rules))
    return policy


def _check_rule_ids(path: Path, root: Any, policy: PolicyFile, known: set[str]) -> None:
    named: list[tuple[tuple[str | int, ...], str]] = [(("modes", r), r) for r in policy.modes]
    for i, override in enumerate(policy.mode_overrides):
        named += [(("mode_overrides", i, "rules", r), r) for r in override.rules]
    for i, exemption in enumerate(policy.exemptions):
        named += [(("exemptions", i, "rules", j), r) for j, r in enumerate(exemption.rules)]
    unknown = [
        f"{path}:{_line(root, loc)}: {'.'.join(map(str, loc))}: no rule named {rule!r}"
        for loc, rule in named
        if rule not in known
    ]
    if unknown:
        raise PolicyFileError("\n".join(unknown))


def _line(node: Any, loc: Sequence[str | int]) -> int:
    """The 1-based line of the deepest YAML node on `loc` (pydantic's error location)."""
    line = node.start_mark.line if node is not None else 0
    for part in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if k.value == str(part)), None)
            if child is None:
                child = next((k for k, _ in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node, line = child, child.start_mark.line
    return line + 1


def is_expired(exemption: Exemption, now: datetime) -> bool:
    return exemption.expires < now.date()
