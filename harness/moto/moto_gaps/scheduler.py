"""EventBridge Scheduler gaps in moto 5.2.1."""

import functools


def delete_missing_schedule_group_is_not_found() -> None:
    """Answer DeleteScheduleGroup of a group that does not exist with ResourceNotFoundException.

    moto pops the group from a dict and answers a missing one with an HTTP 500 (a
    KeyError); AWS answers 404 ResourceNotFoundException, which the reaper reads as
    "already deleted".
    """
    from moto.scheduler.exceptions import ScheduleGroupNotFound
    from moto.scheduler.models import EventBridgeSchedulerBackend

    original = EventBridgeSchedulerBackend.delete_schedule_group

    @functools.wraps(original)
    def delete_schedule_group(self, name):  # type: ignore[no-untyped-def]
        if (name or "default") not in self.schedule_groups:
            raise ScheduleGroupNotFound(name)
        return original(self, name)

    EventBridgeSchedulerBackend.delete_schedule_group = delete_schedule_group
