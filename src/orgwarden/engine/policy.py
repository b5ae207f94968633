"""The policy file in force: the packaged default unless `ORGWARDEN_POLICY_FILE` names another,
validated against the rule catalogue's names."""

from functools import cache
from pathlib import Path

from orgwarden.model.policy_file import PolicyFile, load_policy_file

DEFAULT_PATH = Path(__file__).with_name("policy.yaml")


@cache
def default_policy(path: str | None = None) -> PolicyFile:
    from policies import load_catalogue  # noqa: PLC0415 - avoids loading rules for a bare import

    return load_policy_file(Path(path) if path else DEFAULT_PATH, tuple(load_catalogue().rules))
