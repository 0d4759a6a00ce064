"""Start-up cost of moto 5.2.1 that every test pays (not a behaviour gap)."""

import copy
import functools
from typing import Any


def iam_managed_policies_built_once() -> None:
    """Build the ~1,500 AWS-managed IAM policies once, hand each IAM backend fresh copies.

    The harness starts moto with MOTO_IAM_LOAD_MANAGED_POLICIES=true, and moto
    re-parses and rebuilds them every time an IAM backend is made: twice per
    `POST /moto-api/reset` (reset, then first request), whatever service a test
    uses. The copies keep their own versions and tags, so attaching or
    versioning a policy in one test never leaks into the next. Managed policy
    ids stay the same across resets, as they do in AWS.
    """
    from moto.iam.models import IAMBackend

    original = IAMBackend._init_aws_policies
    built: dict[tuple[str, str], list[Any]] = {}

    def fresh(policy: Any) -> Any:
        clone = copy.copy(policy)
        clone.versions = [copy.copy(version) for version in policy.versions]
        clone.tags = copy.deepcopy(policy.tags)
        return clone

    @functools.wraps(original)
    def init_aws_policies(self: Any) -> list[Any]:
        key = (self.account_id, self.region_name)
        if key not in built:
            built[key] = original(self)
        return [fresh(policy) for policy in built[key]]

    IAMBackend._init_aws_policies = init_aws_policies
