"""Cost Explorer gaps in moto 5.2.1."""

import json
from typing import Any

from moto.core.utils import iso_8601_datetime_without_milliseconds, utcnow

_STATUSES = ("Active", "Inactive")


def _allocation_tags_of(backend: Any) -> dict[str, dict[str, str]]:
    # Kept on the backend so `POST /moto-api/reset` clears it with everything else.
    if not hasattr(backend, "ephemera_cost_allocation_tags"):
        backend.ephemera_cost_allocation_tags = {}
    return backend.ephemera_cost_allocation_tags


def cost_allocation_tags() -> None:
    """UpdateCostAllocationTagsStatus and ListCostAllocationTags.

    What `aws_ce_cost_allocation_tag` needs (create and delete are status
    updates, read is a filtered list). A tag key becomes known to the emulator
    when its status is first set; `aws:`-prefixed keys are AWSGenerated, the
    rest UserDefined. List filters on TagKeys, Status and Type; no paging.
    """
    from moto.ce.responses import CostExplorerResponse

    def update_cost_allocation_tags_status(self: Any) -> str:
        params = json.loads(self.body or "{}")
        known = _allocation_tags_of(self.ce_backend)
        now = iso_8601_datetime_without_milliseconds(utcnow())
        errors = []
        for entry in params.get("CostAllocationTagsStatus") or []:
            key, status = entry.get("TagKey"), entry.get("Status")
            if not key or status not in _STATUSES:
                errors.append(
                    {"TagKey": key, "Code": "InvalidParameterValue", "Message": f"Invalid status: {status}"}
                )
                continue
            tag = known.setdefault(
                key,
                {"TagKey": key, "Type": "AWSGenerated" if key.startswith("aws:") else "UserDefined"},
            )
            tag["Status"] = status
            tag["LastUpdatedDate"] = now
        return json.dumps({"Errors": errors})

    def list_cost_allocation_tags(self: Any) -> str:
        params = json.loads(self.body or "{}")
        wanted_keys = params.get("TagKeys")
        status, tag_type = params.get("Status"), params.get("Type")
        tags = [
            dict(tag)
            for tag in _allocation_tags_of(self.ce_backend).values()
            if (not wanted_keys or tag["TagKey"] in wanted_keys)
            and (not status or tag["Status"] == status)
            and (not tag_type or tag["Type"] == tag_type)
        ]
        return json.dumps({"CostAllocationTags": tags})

    CostExplorerResponse.update_cost_allocation_tags_status = update_cost_allocation_tags_status
    CostExplorerResponse.list_cost_allocation_tags = list_cost_allocation_tags
