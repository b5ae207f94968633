"""scps/stack.yaml: rendered from the policy files, and within AWS Organizations' quotas."""

import json

from tests.scps.policy_files import SCPS, TAG_POLICY, load_policy, scp_files, stack_renderer

SCP_LIMIT = 5120
MAX_SCPS_PER_TARGET = 5  # FullAWSAccess included


RENDER = stack_renderer()
RESOURCES = RENDER.template()["Resources"]
ATTACHED = {
    k: r for k, r in RESOURCES.items() if r["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"
}


def test_stack_yaml_is_rendered_from_the_current_policy_files() -> None:
    assert (SCPS / "stack.yaml").read_text() == RENDER.render(), (
        "scps/stack.yaml is stale: run `uv run python scps/render_stack.py`"
    )


def test_every_scp_file_is_attached_exactly_once() -> None:
    packed = [name for _, _, files in RENDER.ATTACHED_SCPS.values() for name in files]
    assert sorted(packed) == sorted(p.name for p in scp_files())


def test_each_attached_scp_is_its_files_statements_and_fits_the_quota() -> None:
    for logical_id, (_, _, files) in RENDER.ATTACHED_SCPS.items():
        content = RESOURCES[logical_id]["Properties"]["Content"]
        assert len(content) < SCP_LIMIT, logical_id
        statements = json.loads(content)["Statement"]
        assert statements == [s for f in files for s in load_policy(SCPS / f)["Statement"]]
        sids = [s["Sid"] for s in statements]
        assert len(sids) == len(set(sids)), logical_id


def test_full_aws_access_and_ours_fit_on_one_target() -> None:
    assert len(ATTACHED) + 1 <= MAX_SCPS_PER_TARGET


def test_the_tag_policy_is_deployed_as_is() -> None:
    (tag_policy,) = [r for r in RESOURCES.values() if r["Properties"]["Type"] == "TAG_POLICY"]
    assert json.loads(tag_policy["Properties"]["Content"]) == load_policy(TAG_POLICY)


def test_every_policy_is_attached_to_the_target_ids_parameter() -> None:
    assert RENDER.template()["Parameters"]["TargetIds"]["Type"] == "CommaDelimitedList"
    for resource in RESOURCES.values():
        assert resource["Properties"]["TargetIds"] == {"Ref": "TargetIds"}
