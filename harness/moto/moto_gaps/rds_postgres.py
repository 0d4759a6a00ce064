"""Opt-in, not a gap: RDS PostgreSQL instances backed by databases in a local cluster.

With EPHEMERA_RDS_POSTGRES set (JSON: host, port, user and password of the cluster's
superuser, bin: the folder of psql/pg_dump/pg_restore, dumps: a folder for snapshot
dumps), every `postgres` DB instance that is not in a cluster gets:

- a database named after its identifier, owned by a login role named
  "<identifier>.<master username>" with the instance's master password; only that role
  may connect to it. harness/postgres-backed-rds.ts maps an endpoint address
  ("<identifier>.aaaaaaaaaa.<region>.rds.amazonaws.com") and a username to them;
- on CreateDBSnapshot (and DeleteDBInstance's final snapshot, and CopyDBSnapshot) a
  pg_dump of that database, removed by DeleteDBSnapshot;
- on RestoreDBInstanceFromDBSnapshot the snapshot's dump loaded into the new database.
  moto keeps a copy of the instance with each snapshot, master username and password
  included, and a restore takes them from it, as RDS does;
- on ModifyDBInstance, NewDBInstanceIdentifier renames the database and the role
  (SCRAM passwords survive a role rename) and MasterUserPassword sets the role's password;
- on DeleteDBInstance and on the emulator's reset, the database and role are dropped.

Instances of other engines, and automated snapshots taken at creation, have no backing;
a restore from a snapshot without a dump starts with an empty database. Without the
setting nothing changes. One cluster serves every account and region, so an identifier
can be backed once at a time.
"""

import functools
import json
import os
import shutil
import subprocess
import uuid
from typing import Any

SETTING = "EPHEMERA_RDS_POSTGRES"
_NAME_LIMIT = 63  # PostgreSQL's identifiers: longer ones would be cut, and could collide


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def role_name(identifier: str, username: str) -> str:
    """The login role of an instance's master user (harness/postgres-backed-rds.ts has the same)."""
    return f"{identifier}.{username}"


class Cluster:
    """The local cluster, reached through its CLIs as the superuser."""

    def __init__(self, setting: dict[str, Any]) -> None:
        self.bin = setting["bin"]
        self.dumps = setting["dumps"]
        self.env = {
            **os.environ,
            "PGHOST": setting["host"],
            "PGPORT": str(setting["port"]),
            "PGUSER": setting["user"],
            "PGPASSWORD": setting["password"],
            "PGDATABASE": "postgres",
        }

    def _run(self, tool: str, *args: str, script: str | None = None) -> None:
        done = subprocess.run([os.path.join(self.bin, tool), *args], input=script, env=self.env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")

    def sql(self, script: str) -> None:
        self._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", script=script)

    def create(self, identifier: str, username: str, password: str | None) -> None:
        role = _ident(role_name(identifier, username))
        secret = f" PASSWORD {_literal(password)}" if password else ""
        self.sql(
            f"CREATE ROLE {role} LOGIN{secret};\n"
            f"CREATE DATABASE {_ident(identifier)} OWNER {role};\n"
            f"REVOKE ALL ON DATABASE {_ident(identifier)} FROM PUBLIC;\n"
        )

    def _disconnect(self, identifier: str) -> str:
        return f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {_literal(identifier)};\n"

    def drop(self, identifier: str, username: str) -> None:
        self.sql(f"DROP DATABASE IF EXISTS {_ident(identifier)} WITH (FORCE);\nDROP ROLE IF EXISTS {_ident(role_name(identifier, username))};\n")

    def rename(self, old: str, new: str, username: str) -> None:
        self.sql(
            self._disconnect(old)
            + f"ALTER DATABASE {_ident(old)} RENAME TO {_ident(new)};\n"
            + f"ALTER ROLE {_ident(role_name(old, username))} RENAME TO {_ident(role_name(new, username))};\n"
        )

    def set_password(self, identifier: str, username: str, password: str) -> None:
        self.sql(f"ALTER ROLE {_ident(role_name(identifier, username))} PASSWORD {_literal(password)};\n")

    def dump(self, identifier: str) -> str:
        path = os.path.join(self.dumps, f"{uuid.uuid4().hex}.dump")
        self._run("pg_dump", "--format=custom", f"--file={path}", f"--dbname={identifier}")
        return path

    def load(self, identifier: str, username: str, path: str) -> None:
        # Objects are made by the new instance's role: the dump's owners and grants name the old one.
        role = role_name(identifier, username)
        self._run("pg_restore", "--exit-on-error", "--no-owner", "--no-privileges", f"--role={role}", f"--dbname={identifier}", path)


class Backing:
    """What one RDS backend (one account and region) has in the cluster."""

    def __init__(self) -> None:
        self.instances: dict[str, str] = {}  # identifier -> master username
        self.dumps: dict[str, str] = {}  # snapshot identifier -> dump file


def _backing(backend: Any) -> Backing:
    if "_ephemera_postgres" not in backend.__dict__:
        backend._ephemera_postgres = Backing()
    return backend._ephemera_postgres


def _backs(db_kwargs: dict[str, Any]) -> bool:
    return db_kwargs.get("engine") == "postgres" and not db_kwargs.get("db_cluster_identifier")


def _snapshot_name(backend: Any, identifier: str) -> str:
    return backend.extract_snapshot_name_from_arn(identifier) if identifier.startswith("arn:aws:rds:") else identifier


def _check_names(db_kwargs: dict[str, Any]) -> None:
    from moto.rds.exceptions import InvalidParameterValue

    role = role_name(db_kwargs["db_instance_identifier"], db_kwargs["master_username"])
    if len(role.encode()) > _NAME_LIMIT:
        raise InvalidParameterValue(f"{SETTING}: the backing role {role!r} is longer than {_NAME_LIMIT} bytes: use a shorter identifier or master username")


def _back_instances(cluster: Cluster) -> None:
    """Create, rename, re-password and drop an instance's database and role with the instance."""
    from moto.rds.models import RDSBackend

    create_original = RDSBackend.create_db_instance
    modify_original = RDSBackend.modify_db_instance
    delete_original = RDSBackend.delete_db_instance

    @functools.wraps(create_original)
    def create(self, db_kwargs):  # type: ignore[no-untyped-def]
        backed = db_kwargs.get("engine") == "postgres" and not db_kwargs.get("db_cluster_identifier") and db_kwargs.get("master_username")
        if backed:
            _check_names(db_kwargs)
        instance = create_original(self, db_kwargs)
        if backed:
            cluster.create(instance.db_instance_identifier, instance.master_username, instance.__dict__.get("_master_user_password"))
            _backing(self).instances[instance.db_instance_identifier] = instance.master_username
        return instance

    @functools.wraps(modify_original)
    def modify(self, db_instance_identifier, db_kwargs):  # type: ignore[no-untyped-def]
        new, password = db_kwargs.get("new_db_instance_identifier"), db_kwargs.get("master_user_password")
        instance = modify_original(self, db_instance_identifier, db_kwargs)
        instances = _backing(self).instances
        if db_instance_identifier in instances and new and new != db_instance_identifier:
            cluster.rename(db_instance_identifier, new, instances[db_instance_identifier])
            instances[new] = instances.pop(db_instance_identifier)
        if instance.db_instance_identifier in instances and password:
            cluster.set_password(instance.db_instance_identifier, instances[instance.db_instance_identifier], password)
        return instance

    @functools.wraps(delete_original)
    def delete(self, db_instance_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        instance = delete_original(self, db_instance_identifier, *args, **kwargs)
        username = _backing(self).instances.pop(db_instance_identifier, None)
        if username is not None:
            cluster.drop(db_instance_identifier, username)
        return instance

    RDSBackend.create_db_instance = create
    RDSBackend.modify_db_instance = modify
    RDSBackend.delete_db_instance = delete


def _back_snapshots(cluster: Cluster) -> None:
    """Dump an instance's database with each snapshot of it, and load the dump on restore."""
    from moto.rds.models import RDSBackend

    snapshot_original = RDSBackend.create_db_snapshot
    copy_original = RDSBackend.copy_db_snapshot
    delete_original = RDSBackend.delete_db_snapshot
    restore_original = RDSBackend.restore_db_instance_from_db_snapshot

    @functools.wraps(snapshot_original)
    def snapshot(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        taken = snapshot_original(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        if db_instance_identifier in _backing(self).instances:
            _backing(self).dumps[db_snapshot_identifier] = cluster.dump(db_instance_identifier)
        return taken

    @functools.wraps(copy_original)
    def copy(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        copied = copy_original(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs)
        dumps = _backing(self).dumps
        source = dumps.get(_snapshot_name(self, source_db_snapshot_identifier))
        if source is not None:
            dumps[target_db_snapshot_identifier] = os.path.join(cluster.dumps, f"{uuid.uuid4().hex}.dump")
            shutil.copyfile(source, dumps[target_db_snapshot_identifier])
        return copied

    @functools.wraps(delete_original)
    def delete(self, db_snapshot_identifier):  # type: ignore[no-untyped-def]
        deleted = delete_original(self, db_snapshot_identifier)
        path = _backing(self).dumps.pop(db_snapshot_identifier, None)
        if path is not None:
            os.remove(path)
        return deleted

    @functools.wraps(restore_original)
    def restore(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        instance = restore_original(self, from_snapshot_id, overrides)
        backing = _backing(self)
        path = backing.dumps.get(_snapshot_name(self, from_snapshot_id))
        if path is not None and instance.db_instance_identifier in backing.instances:
            cluster.load(instance.db_instance_identifier, backing.instances[instance.db_instance_identifier], path)
        return instance

    RDSBackend.create_db_snapshot = snapshot
    RDSBackend.copy_db_snapshot = copy
    RDSBackend.delete_db_snapshot = delete
    RDSBackend.restore_db_instance_from_db_snapshot = restore


def _drop_on_reset(cluster: Cluster) -> None:
    """Drop a backend's databases, roles and dumps when the emulator's state is reset."""
    from moto.rds.models import RDSBackend

    original = RDSBackend.reset

    @functools.wraps(original)
    def reset(self):  # type: ignore[no-untyped-def]
        backing = _backing(self)
        for identifier, username in backing.instances.items():
            cluster.drop(identifier, username)
        for path in backing.dumps.values():
            os.remove(path)
        original(self)

    RDSBackend.reset = reset


def postgres_backing() -> None:
    """Back RDS PostgreSQL instances with a local cluster when EPHEMERA_RDS_POSTGRES is set."""
    setting = os.environ.get(SETTING)
    if not setting:
        return
    cluster = Cluster(json.loads(setting))
    _back_instances(cluster)
    _back_snapshots(cluster)
    _drop_on_reset(cluster)
