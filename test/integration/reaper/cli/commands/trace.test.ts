import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { runEphemera } from "../../../../../harness/cli";
import { type Emulator, EMULATOR_CREDENTIALS, useEmulator } from "../../../../../harness/emulator";
import { emulatorClients, seedAuditBucket, seedEnvironment } from "../../../../../harness/seed-environments";
import { readSettings } from "../../../../../reaper/config/read-settings";
import { TRACE_PREFIX, workloadRoleName } from "../../../../../reaper/model";
import { ReaperRuntime } from "../../../../../reaper/runtime/reaper-runtime";
import { appendTrace } from "../../../../../reaper/traces/append-trace";
import { traceBatchKey, type TraceEntry } from "../../../../../reaper/traces/trace-record";

// `ephemera trace append|show|verify` against the emulator: an Object Lock audit bucket, environments
// found by discovery, and workload roles assumed through STS as IRSA would.
const emulator = useEmulator({ resetBetweenTests: false });
const AUDIT_BUCKET = "ephemera-audit-traces";

let e: Emulator;
let settings: Record<string, string>;

const lines = (...records: Record<string, unknown>[]) => records.map((r) => JSON.stringify(r)).join("\n");
const entries = (n: number, from = 0): TraceEntry[] => Array.from({ length: n }, (_, i) => ({ time: "2026-05-01T12:00:00.000Z", agent: "planner", data: { i: from + i } }));

/** Every key under traces/ (one listing: the tests keep well under 1,000). */
async function traceKeys(): Promise<string[]> {
  const { s3, destroy } = emulatorClients(e);
  const out = await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: TRACE_PREFIX }));
  destroy();
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** Writes a trace straight into the bucket, as any appender would, without the CLI's check of the environment. */
async function writeTrace(env: string, ...appends: number[]): Promise<void> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  try {
    let from = 0;
    for (const n of appends) {
      await appendTrace(runtime.auditStore(), env, entries(n, from));
      from += n;
    }
  } finally {
    await runtime.destroy();
  }
}

/** Credentials of `role`, assumed through STS (a role named as the workload's is what IRSA gives its pods). */
async function assume(role: string): Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken: string }> {
  const iam = new IAMClient(e.clientConfig());
  const sts = new STSClient(e.clientConfig());
  const trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${e.accountId}:root` }, Action: "sts:AssumeRole" }] };
  const created = await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify(trust) }));
  const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: created.Role!.Arn!, RoleSessionName: "pod" }));
  iam.destroy();
  sts.destroy();
  return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken! };
}

/** Changes a stored batch: a new version of its object, as a principal that may overwrite would leave it. */
async function rewrite(key: string, change: (batch: { records: Record<string, unknown>[] }) => unknown): Promise<void> {
  const { s3, destroy } = emulatorClients(e);
  const body = await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: key }))).Body!.transformToString();
  await s3.send(new PutObjectCommand({ Bucket: AUDIT_BUCKET, Key: key, Body: JSON.stringify(change(JSON.parse(body))), ChecksumAlgorithm: "SHA256" }));
  destroy();
}

async function remove(key: string): Promise<void> {
  const { s3, destroy } = emulatorClients(e);
  await s3.send(new DeleteObjectCommand({ Bucket: AUDIT_BUCKET, Key: key }));
  destroy();
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  settings = { ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId, EPHEMERA_PRICE_LIST: "off" };
  const now = new Date();
  for (const env of ["pr-trace", "pr-busy", "pr-big"]) await seedEnvironment(e, env, now, { expiresInHours: 6, database: false });
}, 120_000);

describe("ephemera trace append", () => {
  test("appends the JSON lines piped in, in order, then one record from --message; show prints them with their batch's write time", async () => {
    const stdin = lines({ agent: "planner", message: "chose blue-green", time: "2026-05-01T12:00:00+02:00" }, { agent: "coder", files: ["db.ts"] });
    const first = await runEphemera(["trace", "append", "pr-trace", "--json"], settings, { stdin });
    expect(first.code).toBe(0);
    expect(first.json()).toMatchObject({ ok: true, status: "appended", writer: "operator", records: 2, firstSeq: 0, lastSeq: 1, batches: [{ batch: 1, key: traceBatchKey("pr-trace", 1), records: 2 }] });
    const second = await runEphemera(["trace", "append", "pr-trace", "--agent", "reviewer", "--message", "approved"], settings);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/^pr-trace: appended 1 record\(s\), seq 2, in batch 2 \(1\)\nhead [0-9a-f]{64}$/);

    const shown = (await runEphemera(["trace", "show", "pr-trace", "--json"], settings)).json<{ batches: number; records: { seq: number; agent: string; time: string; data: unknown; batch: number; writtenAt: string }[] }>();
    expect(shown.batches).toBe(2);
    expect(shown.records.map((r) => [r.seq, r.agent, r.time, r.data, r.batch])).toEqual([
      [0, "planner", "2026-05-01T10:00:00.000Z", { message: "chose blue-green" }, 1],
      [1, "coder", expect.any(String), { files: ["db.ts"] }, 1],
      [2, "reviewer", expect.any(String), { message: "approved" }, 2],
    ]);
    expect(Math.abs(Date.parse(shown.records[2]!.writtenAt) - Date.now())).toBeLessThan(60_000);
    const since = (await runEphemera(["trace", "show", "pr-trace", "--since", "2026-06-01T00:00:00Z", "--json"], settings)).json<{ records: { seq: number }[] }>();
    expect(since.records.map((r) => r.seq)).toEqual([1, 2]);
    const human = await runEphemera(["trace", "show", "pr-trace"], settings);
    expect(human.out.split("\n")[0]).toMatch(/^SEQ\s+TIME\s+AGENT\s+BATCH @ WRITTEN\s+DATA$/);
    expect(human.out).toContain("approved");
    expect((await runEphemera(["trace", "verify", "pr-trace", "--json"], settings)).json()).toMatchObject({ ok: true, status: "complete", records: 3, batches: 2, seal: null });
  });

  test("a burst of 1,000 records is written as two batches of 500", async () => {
    const stdin = Array.from({ length: 1000 }, (_, i) => JSON.stringify({ agent: "bulk", i })).join("\n");
    const run = await runEphemera(["trace", "append", "pr-big", "--json"], settings, { stdin });
    expect(run.code).toBe(0);
    expect(run.json<{ batches: { records: number }[] }>().batches.map((b) => b.records)).toEqual([500, 500]);
    expect((await traceKeys()).filter((k) => k.startsWith(`${TRACE_PREFIX}pr-big/`))).toHaveLength(2);
  }, 60_000);

  test("concurrent appenders both land, in one unbroken chain", async () => {
    const batch = (who: string) => Array.from({ length: 20 }, (_, i) => JSON.stringify({ agent: who, i })).join("\n");
    const runs = await Promise.all(["a", "b", "c"].map((who) => runEphemera(["trace", "append", "pr-busy", "--json"], settings, { stdin: batch(who) })));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs.map((r) => r.json<{ firstSeq: number }>().firstSeq).sort((x, y) => x - y)).toEqual([0, 20, 40]);
    expect((await runEphemera(["trace", "verify", "pr-busy", "--json"], settings)).json()).toMatchObject({ status: "complete", records: 60, batches: 3 });
  }, 60_000);

  test("bad input is refused with the line and the fix (exit 2), and nothing is written", async () => {
    const before = await traceKeys();
    const malformed = await runEphemera(["trace", "append", "pr-trace"], settings, { stdin: lines({ agent: "a", message: "fine" }) + "\n{oops" });
    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/^ephemera: trace append pr-trace: line 2 is not JSON \(.*\); write one JSON object per line, e\.g\. .*; nothing was written$/);
    const oversized = await runEphemera(["trace", "append", "pr-trace", "--agent", "a"], settings, { stdin: lines({ ok: 1 }, { blob: "x".repeat(70_000) }) });
    expect(oversized.code).toBe(2);
    expect(oversized.err).toMatch(/line 2 is a record of 70\d{3} bytes \(its canonical JSON, UTF-8\), over the 65536-byte limit/);
    const noAgent = await runEphemera(["trace", "append", "pr-trace"], settings, { stdin: lines({ message: "who?" }) });
    expect(noAgent.err).toContain('line 1 has no "agent"; add "agent":"<name>" to the line, or give --agent <name>');
    const noStdin = await runEphemera(["trace", "append", "pr-trace"], settings);
    expect(noStdin.code).toBe(2);
    expect(noStdin.err).toContain("reads JSON lines from stdin: pipe them in");
    const unknown = await runEphemera(["trace", "append", "pr-nope", "--agent", "a", "--message", "hello", "--json"], settings);
    expect(unknown.code).toBe(2);
    expect(unknown.json()).toMatchObject({ ok: false, status: "refused", code: "not-found" });
    expect(unknown.err).toContain("no resources of environment pr-nope were found; nothing was written");
    expect(await traceKeys()).toEqual(before);
  });

  test("another environment's workload role is refused naming both; an environment's own appends without discovery", async () => {
    const before = await traceKeys();
    const other = await runEphemera(["trace", "append", "pr-trace", "--agent", "a", "--message", "not mine"], settings, { credentials: await assume(workloadRoleName("pr-busy")) });
    expect(other.code).toBe(2);
    expect(other.err).toBe(
      "ephemera: trace append pr-trace refused: the caller is environment pr-busy's workload (role ephemera-pr-busy-workload); it may append to pr-busy's trace only, not to pr-trace's; nothing was written",
    );
    expect(await traceKeys()).toEqual(before);
    // pr-own has no resources discovery could find: its workload's role is proof enough; no EPHEMERA_ALLOWED_ACCOUNTS either.
    const { EPHEMERA_ALLOWED_ACCOUNTS: _none, ...workloadSettings } = settings;
    const own = await runEphemera(["trace", "append", "pr-own", "--agent", "a", "--message", "mine", "--json"], workloadSettings, { credentials: await assume(workloadRoleName("pr-own")) });
    expect(own.code).toBe(0);
    expect(own.json()).toMatchObject({ ok: true, writer: "workload", records: 1, firstSeq: 0 });
  });
});

describe("ephemera trace verify", () => {
  test("names the first bad record and its key for a record altered, removed or reordered, or a batch removed (exit 1)", async () => {
    await Promise.all(["pr-v-alter", "pr-v-remove", "pr-v-swap", "pr-v-gap"].map((env) => writeTrace(env, 2, 2, 2)));
    await rewrite(traceBatchKey("pr-v-alter", 2), (b) => ({ ...b, records: [{ ...b.records[0], data: { i: 99 } }, b.records[1]] }));
    await rewrite(traceBatchKey("pr-v-remove", 2), (b) => ({ ...b, records: [b.records[1]] }));
    await rewrite(traceBatchKey("pr-v-swap", 3), (b) => ({ ...b, records: [b.records[1], b.records[0]] }));
    await remove(traceBatchKey("pr-v-gap", 2));
    const verdicts = await Promise.all(["pr-v-alter", "pr-v-remove", "pr-v-swap", "pr-v-gap"].map((env) => runEphemera(["trace", "verify", env, "--json"], settings)));
    expect(verdicts.map((v) => v.code)).toEqual([1, 1, 1, 1]);
    expect(verdicts.map((v) => v.json<{ status: string; firstBroken: unknown }>()).map((v) => [v.status, v.firstBroken])).toEqual([
      ["broken", { seq: 2, key: traceBatchKey("pr-v-alter", 2), problem: "record 2's hash does not match its content (altered)" }],
      ["broken", { seq: 2, key: traceBatchKey("pr-v-remove", 2), problem: "record 2 is missing: record 3 is where it should be (removed, or reordered)" }],
      ["broken", { seq: 4, key: traceBatchKey("pr-v-swap", 3), problem: "record 4 is missing: record 5 is where it should be (removed, or reordered)" }],
      ["broken", { seq: 2, key: traceBatchKey("pr-v-gap", 3), problem: expect.stringMatching(/^batch 2 is missing \(removed\)/) }],
    ]);
    const human = await runEphemera(["trace", "verify", "pr-v-alter"], settings);
    expect(human.err).toContain(`pr-v-alter: BROKEN: 2 record(s) intact in 1 batch(es); never sealed`);
    expect(human.err).toContain(`record 2 (${traceBatchKey("pr-v-alter", 2)}): record 2's hash does not match its content (altered)`);
  }, 60_000);

  test("an environment with no trace is empty (exit 0)", async () => {
    const run = await runEphemera(["trace", "verify", "pr-never"], settings);
    expect(run.code).toBe(0);
    expect(run.out).toBe("pr-never: empty: 0 record(s) intact in 0 batch(es); never sealed");
  });
});
