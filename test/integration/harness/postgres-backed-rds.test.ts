// RDS PostgreSQL instances backed by a local cluster (harness/moto/moto_gaps/rds_postgres.py):
// a row survives the snapshot → restore → identifier swap that rolls an environment's
// database back, read through the same endpoint with the same login; and each instance's
// login opens that instance only.
import * as fs from "node:fs";
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
  waitUntilDBInstanceAvailable,
} from "@aws-sdk/client-rds";
import { useEmulator } from "../../../harness/emulator";
import { queryThroughEndpoint, RdsLogin } from "../../../harness/postgres-backed-rds";

const emulator = useEmulator({ rdsPostgres: true });
const LOGIN: RdsLogin = { username: "app", password: "first-password-1" };

function rdsClient(): RDSClient {
  return new RDSClient(emulator().clientConfig());
}

async function available(rds: RDSClient, id: string): Promise<void> {
  await waitUntilDBInstanceAvailable({ client: rds, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { DBInstanceIdentifier: id });
}

async function createInstance(rds: RDSClient, id: string, login: RdsLogin = LOGIN): Promise<void> {
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      Engine: "postgres",
      DBInstanceClass: "db.t3.micro",
      AllocatedStorage: 20,
      MasterUsername: login.username,
      MasterUserPassword: login.password,
    }),
  );
  await available(rds, id);
}

async function endpointOf(rds: RDSClient, id: string): Promise<{ address: string; port: number }> {
  const endpoint = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.[0]?.Endpoint;
  return { address: endpoint!.Address!, port: endpoint!.Port! };
}

async function rename(rds: RDSClient, from: string, to: string): Promise<void> {
  await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: from, NewDBInstanceIdentifier: to, ApplyImmediately: true }));
  await available(rds, to);
}

const query = (endpoint: { address: string }, sql: string, login: RdsLogin = LOGIN) => queryThroughEndpoint(emulator(), endpoint, login, sql);
const read = (endpoint: { address: string }, login: RdsLogin = LOGIN) => query(endpoint, "SELECT v FROM t", login);

describe("RDS instances backed by PostgreSQL", () => {
  it("rolls a database back: snapshot, change, restore, swap identifiers, and the same endpoint and login read the snapshot's row", async () => {
    const rds = rdsClient();
    await createInstance(rds, "orders");
    const endpoint = await endpointOf(rds, "orders");
    await query(endpoint, "CREATE TABLE t (v text); INSERT INTO t VALUES ('original')");
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "orders-before" }));
    await query(endpoint, "UPDATE t SET v = 'changed'");
    expect(await read(endpoint)).toBe("changed");

    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "orders-restored", DBSnapshotIdentifier: "orders-before" }));
    await available(rds, "orders-restored");
    await rename(rds, "orders", "orders-aside");
    await rename(rds, "orders-restored", "orders");

    expect(await endpointOf(rds, "orders")).toEqual(endpoint);
    expect(await read(endpoint)).toBe("original");
    expect(await read(await endpointOf(rds, "orders-aside"))).toBe("changed");

    // The instance set aside goes, leaving a final snapshot that holds its data.
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: "orders-aside", FinalDBSnapshotIdentifier: "orders-aside-final" }));
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "orders-aside", DBSnapshotIdentifier: "orders-aside-final" }));
    await available(rds, "orders-aside");
    expect(await read(await endpointOf(rds, "orders-aside"))).toBe("changed");
  });

  it("opens an instance with its own master login only, and follows password changes and renames", async () => {
    const rds = rdsClient();
    const other: RdsLogin = { username: LOGIN.username, password: "other-password-2" };
    await createInstance(rds, "env-a");
    await createInstance(rds, "env-b", other);
    const [a, b] = [await endpointOf(rds, "env-a"), await endpointOf(rds, "env-b")];
    expect(await query(a, "SELECT current_user")).toBe("env-a.app");
    await expect(query(a, "SELECT 1", { ...LOGIN, password: "wrong-password" })).rejects.toThrow(/password authentication failed/);
    await expect(query(b, "SELECT 1", LOGIN)).rejects.toThrow(/password authentication failed/);
    expect(await query(b, "SELECT 1", other)).toBe("1");

    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "env-a", DBSnapshotIdentifier: "env-a-snap" }));
    const changed: RdsLogin = { ...LOGIN, password: "changed-password-3" };
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: "env-a", MasterUserPassword: changed.password, ApplyImmediately: true }));
    await available(rds, "env-a");
    await expect(query(a, "SELECT 1", LOGIN)).rejects.toThrow(/password authentication failed/);
    expect(await query(a, "SELECT 1", changed)).toBe("1");

    // A restore keeps the snapshot's master password, as on AWS.
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "env-c", DBSnapshotIdentifier: "env-a-snap" }));
    await available(rds, "env-c");
    const c = await endpointOf(rds, "env-c");
    expect(await query(c, "SELECT 1", LOGIN)).toBe("1");
    await expect(query(c, "SELECT 1", changed)).rejects.toThrow(/password authentication failed/);

    // After a rename the old address leads nowhere and the new one takes the same password.
    await rename(rds, "env-a", "env-a2");
    await expect(query(a, "SELECT 1", changed)).rejects.toThrow(/password authentication failed/);
    expect(await query(await endpointOf(rds, "env-a2"), "SELECT 1", changed)).toBe("1");
  });

  it("starts an instance restored from a snapshot without a dump (taken at creation) with an empty database", async () => {
    const rds = rdsClient();
    await createInstance(rds, "baseline");
    await query(await endpointOf(rds, "baseline"), "CREATE TABLE t (v text)");
    const automated = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: "baseline", SnapshotType: "automated" }))).DBSnapshots?.[0];
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: "fresh", DBSnapshotIdentifier: automated!.DBSnapshotIdentifier }));
    await available(rds, "fresh");
    expect(await query(await endpointOf(rds, "fresh"), "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).toBe("0");
  });

  it("removes a deleted snapshot's dump, and every database, role and dump on reset", async () => {
    const rds = rdsClient();
    const postgres = emulator().postgres!;
    await createInstance(rds, "short-lived");
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "short-lived", DBSnapshotIdentifier: "kept" }));
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "short-lived", DBSnapshotIdentifier: "dropped" }));
    expect(fs.readdirSync(postgres.scratchDir)).toHaveLength(2);
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "dropped" }));
    expect(fs.readdirSync(postgres.scratchDir)).toHaveLength(1);

    await emulator().reset();
    const admin = { ...postgres.admin, database: "postgres" };
    expect(await postgres.query("SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1')", admin)).toBe("");
    expect(await postgres.query("SELECT rolname FROM pg_roles WHERE rolname LIKE '%.%'", admin)).toBe("");
    expect(fs.readdirSync(postgres.scratchDir)).toEqual([]);
  });
});
