/**
 * `ephemera checkpoint` and `ephemera rollback` on the local emulator, with its RDS instances
 * backed by a local PostgreSQL (harness/postgres-backed-rds.ts), so a checkpoint is a real
 * dump and a rollback a real load of the environment's rows. Side by side in each round, on
 * the same data: what an agent without rollback does instead, a restore of the same snapshot
 * into a new database (a new endpoint, waited for until available). Every round checks that
 * the rolled-back database holds the checkpoint's rows, through the same endpoint and secret.
 *
 *   npm run bench:checkpoint              # 5 rounds, 20,000 rows
 *   npm run bench:checkpoint -- 3 2000    # rounds, rows
 *
 * The emulator measures Ephemera's own cost (API calls, waits, the audit trail, the lease) and
 * the dump and load; RDS's own times on AWS are modelled in docs/checkpoints.md. Exits 1 when a
 * round does not read back the checkpoint's value.
 */
import { DeleteDBInstanceCommand, DescribeDBInstancesCommand, ModifyDBInstanceCommand, RestoreDBInstanceFromDBSnapshotCommand, waitUntilDBInstanceAvailable } from "@aws-sdk/client-rds";
import { CreateSecretCommand } from "@aws-sdk/client-secrets-manager";
import { type Emulator, EMULATOR_CREDENTIALS, startEmulator } from "../harness/emulator";
import { queryThroughEndpoint } from "../harness/postgres-backed-rds";
import { emulatorClients, envTags, seedAuditBucket, seedBaselineSnapshot } from "../harness/seed-environments";
import { runCli } from "../reaper/cli/run-cli";
import { TAG } from "../reaper/model";
import { percentile } from "./percentile";

const ENV = "bench-cp";
const DB = `${ENV}-db`;
const BASELINE = "bench-baseline-snap";
const LOGIN = { username: "app", password: "bench-password-1" };

const benchStart = performance.now();
const say = (text: string) => console.log(`[${((performance.now() - benchStart) / 1000).toFixed(1).padStart(6)} s] ${text}`);
const ms = (n: number) => (n < 1000 ? `${n.toFixed(0)} ms` : `${(n / 1000).toFixed(2)} s`);

/** One `ephemera` command line in this process; its JSON document. */
async function ephemera(settings: Record<string, string>, argv: string[]): Promise<Record<string, unknown>> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, "--json"], { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false }, { env: settings, runtime: { credentials: EMULATOR_CREDENTIALS } });
  if (code !== 0) throw new Error(`ephemera ${argv.join(" ")} exited ${code}: ${err.join(" ").slice(0, 500)} ${out.join("\n").slice(0, 800)}`);
  return JSON.parse(out.join("\n")) as Record<string, unknown>;
}

/** The environment's database as a deploy leaves it: restored from the baseline, its password the credentials secret's, tagged with that baseline. */
async function seedEnvironment(e: Emulator, rows: number): Promise<string> {
  const { rds, secrets, destroy } = emulatorClients(e);
  try {
    await seedBaselineSnapshot(e, "bench-baseline", BASELINE);
    const tags = { ...envTags(ENV, new Date(), { expiresInHours: 8 }), [TAG.baseline]: BASELINE };
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: DB, DBSnapshotIdentifier: BASELINE, CopyTagsToSnapshot: true, BackupRetentionPeriod: 0, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: DB, MasterUserPassword: LOGIN.password, ApplyImmediately: true }));
    const address = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: DB }))).DBInstances![0]!.Endpoint!.Address!;
    const value = JSON.stringify({ engine: "postgres", host: address, port: 5432, username: LOGIN.username, password: LOGIN.password, dbInstanceIdentifier: DB });
    await secrets.send(new CreateSecretCommand({ Name: `ephemera-${DB}-credentials-bench01`, SecretString: value, Tags: Object.entries(envTags(ENV, new Date(), { expiresInHours: 8 })).map(([Key, Value]) => ({ Key, Value })) }));
    await queryThroughEndpoint(e, { address }, LOGIN, `CREATE TABLE marker (v text); INSERT INTO marker VALUES ('seed'); CREATE TABLE rows AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, ${rows}) g;`);
    return address;
  } finally {
    destroy();
  }
}

/** What an agent without rollback waits for: the snapshot restored as a new database, until it is available. */
async function freshRestore(e: Emulator, snapshot: string, id: string): Promise<number> {
  const { rds, destroy } = emulatorClients(e);
  try {
    const started = performance.now();
    // Its own tags: a restore without them would take the snapshot's, and so join the environment.
    await rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: id, DBSnapshotIdentifier: snapshot, BackupRetentionPeriod: 0, Tags: [{ Key: "bench", Value: "fresh-restore" }] }));
    await waitUntilDBInstanceAvailable({ client: rds, maxWaitTime: 600, minDelay: 1, maxDelay: 2 }, { DBInstanceIdentifier: id });
    const took = performance.now() - started;
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
    return took;
  } finally {
    destroy();
  }
}

interface Round {
  readonly checkpointMs: number;
  readonly rollbackMs: number;
  readonly freshMs: number;
  readonly readBack: boolean;
}

async function round(e: Emulator, settings: Record<string, string>, address: string, i: number): Promise<Round> {
  const value = `round-${i}`;
  await queryThroughEndpoint(e, { address }, LOGIN, `UPDATE marker SET v = '${value}'`);
  let started = performance.now();
  const checkpoint = await ephemera(settings, ["checkpoint", ENV]);
  const checkpointMs = performance.now() - started;
  const snapshot = String(checkpoint.snapshot);
  await queryThroughEndpoint(e, { address }, LOGIN, `UPDATE marker SET v = 'changed-after-${value}'`);
  started = performance.now();
  await ephemera(settings, ["rollback", ENV, "--to", snapshot]);
  const rollbackMs = performance.now() - started;
  const read = (await queryThroughEndpoint(e, { address }, LOGIN, "SELECT v FROM marker")).trim();
  const freshMs = await freshRestore(e, snapshot, `bench-fresh-${i}`);
  return { checkpointMs, rollbackMs, freshMs, readBack: read === value };
}

async function main(rounds: number, rows: number): Promise<number> {
  say(`starting the emulator with PostgreSQL-backed RDS; ${rounds} rounds, ${rows.toLocaleString("en-US")} rows`);
  const e = await startEmulator({ rdsPostgres: true });
  try {
    const settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: "ephemera-audit-bench-cp", EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off", EPHEMERA_MAX_CHECKPOINTS: String(rounds * 2 + 2) };
    await seedAuditBucket(e, settings.EPHEMERA_AUDIT_BUCKET);
    const address = await seedEnvironment(e, rows);
    const results: Round[] = [];
    for (let i = 1; i <= rounds; i++) {
      const r = await round(e, settings, address, i);
      say(`round ${i}: checkpoint ${ms(r.checkpointMs)}, rollback ${ms(r.rollbackMs)}, fresh restore ${ms(r.freshMs)}; read back the checkpoint's value: ${r.readBack}`);
      results.push(r);
    }
    report(results);
    return results.every((r) => r.readBack) ? 0 : 1;
  } finally {
    await e.stop();
  }
}

function report(results: readonly Round[]): void {
  const column = (pick: (r: Round) => number) => results.map(pick);
  const rows: [string, number[]][] = [
    ["`ephemera checkpoint` (CreateDBSnapshot; a dump)", column((r) => r.checkpointMs)],
    ["`ephemera rollback --to` it (restore beside, password, two renames, final snapshot and delete of the replaced)", column((r) => r.rollbackMs)],
    ["instead: restore the snapshot as a new database, until available (a new endpoint)", column((r) => r.freshMs)],
  ];
  console.log("\n| on the emulator | p50 | p95 |\n| --- | ---: | ---: |");
  for (const [name, samples] of rows) console.log(`| ${name} | ${ms(percentile(samples, 50))} | ${ms(percentile(samples, 95))} |`);
  const ratio = percentile(column((r) => r.rollbackMs), 50) / percentile(column((r) => r.freshMs), 50);
  console.log(`\nrollback / fresh restore, p50: ${ratio.toFixed(2)} (same rounds, same data; on AWS see the model in docs/checkpoints.md)`);
}

// The AWS SDK's notice that its 2027 releases need Node.js 22: not a result.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (!String(warning).startsWith("NodeVersionSupportWarning:")) (emitWarning as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const [rounds, rows] = [5, 20_000].map((d, i) => Number(process.argv[i + 2] ?? d)) as [number, number];
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(rows) || rows < 1) {
  console.error("usage: bench:checkpoint [rounds >= 1] [rows >= 1]");
  process.exit(2);
}
main(rounds, rows).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
