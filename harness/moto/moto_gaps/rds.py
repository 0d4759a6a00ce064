"""RDS gaps in moto 5.2.1."""

import base64
import functools

from moto.moto_api._internal import mock_random


def _new_dbi_resource_id() -> str:
    # Real ids look like "db-" + 26 upper-case base32 characters.
    return "db-" + base64.b32encode(mock_random.uuid4().bytes).decode().rstrip("=")


def unique_dbi_resource_ids() -> None:
    """Give every DB instance its own DbiResourceId.

    moto hard-codes "db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U" for all instances. The aws
    provider keys `aws_db_instance` on that id (it reads with a `dbi-resource-id`
    filter), so a second instance, e.g. one restored from a snapshot, was read
    back as two instances: "couldn't find resource".
    """
    from moto.rds.models import DBInstance

    original_init = DBInstance.__init__

    @functools.wraps(original_init)
    def init(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        original_init(self, *args, **kwargs)
        self.dbi_resource_id = _new_dbi_resource_id()

    DBInstance.__init__ = init


def restore_keeps_false_and_zero_overrides() -> None:
    """Keep a restore's overrides that are False or 0.

    moto copies the snapshot's database and then applies only the truthy overrides
    (`if value:`), so `BackupRetentionPeriod=0`, `AutoMinorVersionUpgrade=false`,
    `MultiAZ=false` and the like were dropped and the source database's values kept.
    RDS applies every parameter the request carries. The aws provider then saw the
    pool's restored database differ from its configuration (a backup retention of 1
    against 0) and modified it on import.
    """
    from moto.rds.models import RDSBackend

    original = RDSBackend.restore_db_instance_from_db_snapshot

    @functools.wraps(original)
    def restore(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        falsy = {key: value for key, value in overrides.items() if value is False or (type(value) is int and value == 0)}
        instance = original(self, from_snapshot_id, overrides)
        for key, value in falsy.items():
            if hasattr(instance, key):
                setattr(instance, key, value)
        return instance

    RDSBackend.restore_db_instance_from_db_snapshot = restore


def no_automated_backup_without_retention() -> None:
    """Take no automated snapshot that would collide with one of the same minute.

    moto saves one (`rds:<identifier>-<yyyy-mm-dd-hh-mm>`) for every new instance, restores
    included (it applies a restore's BackupRetentionPeriod=0 only afterwards), named by the
    identifier: an instance created twice under one identifier within a minute (a rollback's
    `<identifier>-rollback`, twice) failed its restore with DBSnapshotAlreadyExists. RDS names
    automated backups per instance and keeps none at retention 0.
    """
    from moto.core.utils import utcnow
    from moto.rds.models import DBInstance

    original = DBInstance.save_automated_backup

    @functools.wraps(original)
    def save_automated_backup(self):  # type: ignore[no-untyped-def]
        if str(getattr(self, "backup_retention_period", 1)) == "0":
            return None
        snapshot_id = f"rds:{self.db_instance_identifier}-{utcnow().strftime('%Y-%m-%d-%H-%M')}"
        if snapshot_id in self.backend.database_snapshots:
            return None
        return original(self)

    DBInstance.save_automated_backup = save_automated_backup
