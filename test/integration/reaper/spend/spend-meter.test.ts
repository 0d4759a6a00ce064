import { DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { DescribeNodegroupCommand } from "@aws-sdk/client-eks";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { runEphemera } from "../../../../harness/cli";
import { TAG } from "../../../../reaper/model";
import { CLUSTER, emulatorClients, seedAuditBucket, seedCluster, seedEnvironment, seedTopic } from "../../../../harness/seed-environments";
import { type Emulator, useEmulator } from "../../../../harness/emulator";
import { PricingDouble } from "../../../../harness/pricing-double";

// One account walked through in order: ls before anything is kept, the sweep at a later
// --now that pauses, then what the meter remembers after an instance is gone.
const emulator = useEmulator({ resetBetweenTests: false });
const HOUR = 3_600_000;
const AUDIT_BUCKET = "ephemera-audit-spend";
const M5_LARGE = 0.096; // the shipped table's us-east-1 on-demand price
const DB_T3_MICRO = 0.018; // postgres, single-AZ
const GP2_PER_GB_MONTH = 0.115;
const MOTO_SPOT = 0.00001; // moto's Spot price for every type and zone

let e: Emulator;
let seededAt: Date;
let settings: Record<string, string>;
const instances: Record<string, string[]> = {};

const ephemera = (argv: string[], env: Record<string, string> = settings) => runEphemera(argv, env);

/** ISO-8601 `hours` after the seeding, at whole seconds. */
const later = (hours: number) => `${new Date(seededAt.getTime() + hours * HOUR).toISOString().slice(0, 19)}Z`;

interface Listed {
  env: string;
  state: string;
  budgetUsd: number | null;
  spendUsd: number | null;
  estimatedSpendUsd: number | null;
  burnUsdPerHour: number | null;
  budgetExhaustedAt: string | null;
  spendBasis: string;
}

async function listAt(hours: number, env: Record<string, string> = settings): Promise<Record<string, Listed>> {
  const run = await ephemera(["ls", "--json", "--now", later(hours)], env);
  expect(run.code).toBe(0);
  const listing = JSON.parse(run.out) as { environments: Listed[] };
  return Object.fromEntries(listing.environments.map((l) => [l.env, l]));
}

async function launch(env: string, tags: Record<string, string>, options: { spot?: boolean; count?: number; subnet?: string; group?: string } = {}): Promise<void> {
  const { ec2, destroy } = emulatorClients(e);
  const groupTags = options.group === undefined ? {} : { "eks:nodegroup-name": options.group, "aws:autoscaling:groupName": `eks-${options.group}-asg` };
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-12c6146b",
      InstanceType: "m5.large",
      MinCount: options.count ?? 1,
      MaxCount: options.count ?? 1,
      ...(options.subnet === undefined ? {} : { SubnetId: options.subnet }),
      ...(options.spot ? { InstanceMarketOptions: { MarketType: "spot" } } : {}),
      TagSpecifications: [{ ResourceType: "instance", Tags: Object.entries({ ...tags, ...groupTags }).map(([Key, Value]) => ({ Key, Value })) }],
    }),
  );
  destroy();
  instances[env] = out.Instances!.map((i) => i.InstanceId!);
}

async function instanceState(id: string): Promise<string | undefined> {
  const { ec2, destroy } = emulatorClients(e);
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  destroy();
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

beforeAll(async () => {
  e = emulator();
  await seedAuditBucket(e, AUDIT_BUCKET);
  const topic = await seedTopic(e, "ephemera-owners");
  const subnets = await seedCluster(e);
  seededAt = new Date();
  // Expiring four days on: only the budget can pause them at +12 h. Budgets reports $0 spent for all.
  const seed = (env: string, limit: number, more: { database?: boolean; nodegroup?: string[] } = {}) =>
    seedEnvironment(e, env, seededAt, { expiresInHours: 96, ttlHours: 120, budget: [limit, 0], database: more.database ?? false, ...(more.nodegroup ? { nodegroup: more.nodegroup } : {}) });
  // On-demand m5.large: $1.152 at +12 h.
  await launch("od-over", await seed("od-over", 1));
  await launch("od-under", await seed("od-under", 5));
  // $1.152 of $1.20 at +12 h, at $0.096/h: the budget is reached within the hour's warning window.
  await launch("od-warn", await seed("od-warn", 1.2));
  // Two spot node group instances at moto's Spot price: $0.00024 at +12 h.
  await launch("spot-over", await seed("spot-over", 0.0002, { nodegroup: subnets }), { spot: true, count: 2, subnet: subnets[0], group: "spot-over-spot" });
  await launch("spot-under", await seed("spot-under", 0.001, { nodegroup: subnets }), { spot: true, count: 2, subnet: subnets[0], group: "spot-under-spot" });
  // db.t3.micro with 20 GB of gp2: $0.254 at +12 h.
  await seed("db-over", 0.2, { database: true });
  await seed("db-under", 1, { database: true });
  settings = {
    ...e.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: topic,
    EPHEMERA_MAX_ENVS_PER_RUN: "20",
    EPHEMERA_PRICE_LIST: "off",
  };
}, 180_000);

describe("the spend meter against the emulator", () => {
  test("ls --json shows each environment's estimate, burn rate, when its budget runs out and which figure counts, beside Budgets' $0", async () => {
    const listed = await listAt(12);
    const od = 12 * M5_LARGE;
    expect(listed["od-over"]).toMatchObject({ budgetUsd: 1, spendUsd: 0, burnUsdPerHour: M5_LARGE, spendBasis: "estimate", budgetExhaustedAt: later(12) });
    expect(listed["od-over"]!.estimatedSpendUsd).toBeCloseTo(od, 2);
    const under = listed["od-under"]!;
    expect(under.estimatedSpendUsd).toBeCloseTo(od, 2);
    const runsOut = Date.parse(under.budgetExhaustedAt!) - (seededAt.getTime() + 12 * HOUR);
    expect(runsOut / HOUR).toBeCloseTo((5 - od) / M5_LARGE, 1);
    expect(listed["spot-over"]!.estimatedSpendUsd).toBeCloseTo(2 * 12 * MOTO_SPOT, 5);
    expect(listed["spot-over"]!.burnUsdPerHour).toBeCloseTo(2 * MOTO_SPOT, 6);
    const db = 12 * DB_T3_MICRO + (20 * GP2_PER_GB_MONTH * 12) / 730;
    expect(listed["db-over"]!.estimatedSpendUsd).toBeCloseTo(db, 3);
    // An hour after seeding nothing has reached its budget.
    const early = await listAt(1);
    for (const env of Object.values(early)) expect(Date.parse(env.budgetExhaustedAt ?? "9999-12-31T00:00:00Z")).toBeGreaterThan(seededAt.getTime() + 1 * HOUR);
  });

  test("prices come from the Price List API when it answers: each product asked once per cold start", async () => {
    const double = new PricingDouble({ "ec2 us-east-1 m5.large": 0.2, "rds us-east-1 postgres db.t3.micro single-az": 0.05, "rds-storage us-east-1 gp2 single-az": 0.2 });
    const { endpoint } = await double.start();
    try {
      const listed = await listAt(12, { ...settings, EPHEMERA_PRICE_LIST: endpoint });
      expect(listed["od-under"]!.estimatedSpendUsd).toBeCloseTo(12 * 0.2, 2);
      expect(listed["db-under"]!.estimatedSpendUsd).toBeCloseTo(12 * 0.05 + (20 * 0.2 * 12) / 730, 3);
      expect(double.requestCount).toBe(3);
    } finally {
      await double.stop();
    }
  });

  test("an unreachable Price List API falls back to the shipped table, and says so", async () => {
    const unreachable = { ...settings, EPHEMERA_PRICE_LIST: "http://127.0.0.1:9" };
    const json = await ephemera(["ls", "--json", "--now", later(12)], unreachable);
    expect(json.code).toBe(0);
    const notes = (JSON.parse(json.out) as { notes: { level: string; code: string; message: string }[] }).notes.filter((n) => n.code === "spend-meter");
    expect(notes).toEqual([
      {
        level: "info",
        code: "spend-meter",
        message: expect.stringMatching(/^the AWS Price List API could not be reached \(ECONNREFUSED\): prices come from the table shipped with the package/),
      },
    ]);
    const table = await ephemera(["ls", "--now", later(12)], unreachable);
    expect(table.out.split("\n").find((l) => l.startsWith("od-over"))).toMatch(/\$1\.00 +\$0\.00 +\$1\.15 +\$0\.096 /);
  });

  test("a sweep at +12 h pauses the environments whose estimate crossed their budget, for on-demand, spot node group and database spend, and no other", async () => {
    const run = await ephemera(["reap", "--allow-simulated-clock", "--now", later(12)]);
    expect(run.err).not.toMatch(/failed/);
    expect(run.out).toContain(
      "od-over: pause, expires " + later(96) + ", on-expiry delete\n" +
        "  because over budget (the spend meter's estimate $1.15 reached the budget of $1.00 (budget ephemera-od-over); AWS Budgets reports $0.00)",
    );
    expect(run.out).toMatch(/db-over: pause.*\n {2}because over budget \(the spend meter's estimate \$0\.25\d* reached the budget of \$0\.20/);
    expect(run.out).toMatch(/spot-over: pause.*\n {2}because over budget \(the spend meter's estimate \$0\.0002\d* reached the budget of \$0\.0002/);
    expect(run.out).toMatch(/od-warn: warn-budget.*\n {2}because spending \$0\.096\/h, it reaches its budget of \$1\.20 at /);
    expect(run.out).not.toMatch(/(od|spot|db)-under: /);

    expect(await instanceState(instances["od-over"]![0]!)).toMatch(/^stopp/);
    expect(await instanceState(instances["od-under"]![0]!)).toBe("running");

    const { eks, rds, destroy } = emulatorClients(e);
    const group = async (name: string) => (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: name }))).nodegroup!;
    expect((await group("spot-over-spot")).scalingConfig?.desiredSize).toBe(0);
    expect((await group("spot-under-spot")).scalingConfig?.desiredSize).toBe(2);
    const dbStatus = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!.DBInstanceStatus;
    expect(await dbStatus("db-over-db")).toMatch(/^stopp/);
    expect(await dbStatus("db-under-db")).toBe("available");
    destroy();

    const listed = await listAt(12);
    expect(Object.values(listed).filter((l) => l.state === "paused").map((l) => l.env).sort()).toEqual(["db-over", "od-over", "spot-over"]);
  });

  test("the same sweep warned od-warn once, its burn reaching the budget within the hour, and marked it with the limit", async () => {
    const listed = await listAt(12);
    expect(listed["od-warn"]!.state).toBe("active");
    const { ec2, destroy } = emulatorClients(e);
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instances["od-warn"] }));
    destroy();
    const tags = Object.fromEntries((out.Reservations![0]!.Instances![0]!.Tags ?? []).map((t) => [t.Key!, t.Value!]));
    expect(tags[TAG.budgetWarned]).toBe("1.2");
    const again = await ephemera(["reap", "--dry-run", "--now", later(12.1)]);
    expect(again.out).not.toMatch(/od-warn.*warn-budget/);
  });

  test("the sweep kept its readings in the audit bucket, and the meter does not forget an instance once it is gone", async () => {
    const { s3, ec2, destroy } = emulatorClients(e);
    const keys = (await s3.send(new ListObjectsV2Command({ Bucket: AUDIT_BUCKET, Prefix: "spend/" }))).Contents!.map((o) => o.Key!);
    expect(keys).toHaveLength(1);
    const body = await (await s3.send(new GetObjectCommand({ Bucket: AUDIT_BUCKET, Key: keys[0] }))).Body!.transformToString();
    const readings = JSON.parse(body) as { at: string; envs: Record<string, { usd: number }> };
    expect(readings.envs["od-under"]!.usd).toBeCloseTo(12 * M5_LARGE, 2);
    // od-under's instance is terminated now (in real time, hours before the reading's +12 h).
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: instances["od-under"] }));
    destroy();
    const listed = await listAt(13);
    // From its own launch and end alone it would cost about $0: the reading keeps its 12 hours.
    expect(listed["od-under"]!.estimatedSpendUsd).toBeCloseTo(12 * M5_LARGE, 2);
    expect(listed["od-under"]!.burnUsdPerHour).toBe(0);
  });
});
