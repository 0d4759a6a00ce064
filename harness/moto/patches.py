"""Fixes for gaps in moto 5.2.1 that Ephemera's tests would otherwise trip over.

Each patch is a small, documented function (in moto_gaps/<service>.py) registered
in PATCHES; apply_all() runs them once, in process, before the server starts.
The gaps are listed in docs/testing.md and each fix has a test in
test/integration/harness/moto.test.ts. Product code never knows about them.
"""

from collections.abc import Callable

from moto_gaps import awslambda, budgets, cost_explorer, ec2, eks, rds, rds_postgres, scheduler, speed

PATCHES: list[Callable[[], None]] = [
    # RDS: every DB instance had DbiResourceId "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U".
    rds.unique_dbi_resource_ids,
    # RDS: a restore dropped the overrides that are False or 0 (BackupRetentionPeriod=0).
    rds.restore_keeps_false_and_zero_overrides,
    # RDS: an automated snapshot of every new instance, also at retention 0 (ids collided within a minute).
    rds.no_automated_backup_without_retention,
    # Budgets: tags, subscribers and updates answered HTTP 500.
    budgets.budget_tags,
    budgets.budget_subscribers,
    budgets.budget_updates,
    # Cost Explorer: cost allocation tags answered HTTP 500.
    cost_explorer.cost_allocation_tags,
    # EKS: access entries had no route; node groups reported remoteAccess nobody
    # asked for; updates could not be awaited; node groups could not be tagged.
    eks.cluster_access_config_and_updates,
    eks.nodegroup_reports_only_requested_settings,
    eks.nodegroup_updates,
    eks.tags_on_every_eks_resource,
    eks.access_entries,
    # EC2: tags added to a launch template after its creation never showed.
    ec2.launch_template_tags_follow_create_tags,
    # Scheduler: deleting a schedule group that does not exist answered HTTP 500.
    scheduler.delete_missing_schedule_group_is_not_found,
    # Lambda: DeadLetterConfig was dropped.
    awslambda.store_dead_letter_config,
    # Not a gap: rebuilding ~1,500 managed IAM policies made every reset slow.
    speed.iam_managed_policies_built_once,
    # Not a gap, and off unless EPHEMERA_RDS_POSTGRES is set: RDS PostgreSQL instances
    # backed by databases in a local cluster (harness/postgres.ts starts it).
    rds_postgres.postgres_backing,
]

_applied = False


def apply_all() -> None:
    global _applied
    if _applied:
        return
    _applied = True
    for patch in PATCHES:
        patch()
