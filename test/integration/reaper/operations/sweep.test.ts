import { CreateBudgetCommand, BudgetsClient } from "@aws-sdk/client-budgets";
import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateClusterCommand, CreateNodegroupCommand, DescribeNodegroupCommand, EKSClient } from "@aws-sdk/client-eks";
import {
  CreateDBInstanceCommand,
  CreateDBSubnetGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  RDSClient,
  StartDBInstanceCommand,
} from "@aws-sdk/client-rds";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { CreateScheduleCommand, CreateScheduleGroupCommand, GetScheduleCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateSecretCommand, DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { STSClient } from "@aws-sdk/client-sts";
import { S3StateStore } from "../../../../reaper/state/s3-state-store";
import { verifyAuditRun } from "../../../../reaper/audit/verify-audit";
import { discover } from "../../../../reaper/discovery/discover";
import { KIND_ADAPTERS } from "../../../../reaper/kinds";
import { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";
import { KubeClient } from "../../../../reaper/kube/kube-client";
import { K8S_ANNOTATION, K8S_LABEL, TAG } from "../../../../reaper/model";
import { type Notifier, snsNotifier } from "../../../../reaper/action/notifier";
import { reaperConfig } from "../../../../reaper/config/reaper-config";
import { renderPlan } from "../../../../reaper/decision/render-plan";
import { stsCallerAccount } from "../../../../reaper/runtime/account-guard";
import { seedDatabase } from "../../../../harness/seed-environments";
import { sweep, type SweepResult } from "../../../../reaper/operations/sweep";
import { type Emulator, useEmulator } from "../../../../harness/emulator";
import { type KubeApiDouble, startKubeApiDouble } from "../../../../harness/kube-api-double";

// One seeded account walked through in order: the tests below inspect what the first sweep left.
const emulator = useEmulator({ resetBetweenTests: false });
const HOUR = 3_600_000;
const CLUSTER = "shared";
const AUDIT_BUCKET = "ephemera-audit-sweep";

let kube: KubeApiDouble;
beforeAll(async () => {
  kube = await startKubeApiDouble();
});
afterAll(async () => {
  await kube.stop();
});

/** The tags tagEnvironment writes, for an environment that expires `expiresInHours` from `now`. */
function envTags(env: string, now: Date, expiresInHours: number, more: Record<string, string> = {}): Record<string, string> {
  return {
    [TAG.managedBy]: "ephemera",
    [TAG.env]: env,
    [TAG.owner]: "team@example.com",
    [TAG.ttl]: "8h",
    [TAG.createdAt]: new Date(now.getTime() + (expiresInHours - 8) * HOUR).toISOString().replace(/\.\d{3}Z$/, "Z"),
    ...more,
  };
}

const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** Counts every HTTP request an SDK client sends (retries included), by `service:Command`. */
function countCalls(client: { middlewareStack: { add: (...args: never[]) => void } }, service: string, counter: Map<string, number>): void {
  const add = client.middlewareStack.add as unknown as (
    mw: (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => (args: unknown) => Promise<unknown>,
    options: { step: string; name: string },
  ) => void;
  add(
    (next, context) => async (args) => {
      const key = `${service}:${(context.commandName ?? "?").replace(/Command$/, "")}`;
      counter.set(key, (counter.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: "deserialize", name: "ephemeraCountCalls" },
  );
}

interface Seeded {
  readonly now: Date;
  readonly topicArn: string;
  readonly sgIds: Record<string, string>;
  readonly instanceIds: Record<string, string>;
}

/** Seven environments in different states, plus resources nobody asked the reaper to manage. */
async function seed(e: Emulator): Promise<Seeded> {
  const config = e.clientConfig();
  const [ec2, eks, rds, s3, budgets, scheduler, secrets, sns] = [
    new EC2Client(config),
    new EKSClient(config),
    new RDSClient(config),
    new S3Client(config),
    new BudgetsClient(config),
    new SchedulerClient(config),
    new SecretsManagerClient(config),
    new SNSClient(config),
  ];
  const now = new Date();
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: "ephemera-owners" }));

  // The audit bucket, with Object Lock; it is not tagged, and must come out untouched.
  await s3.send(new CreateBucketCommand({ Bucket: AUDIT_BUCKET, ObjectLockEnabledForBucket: true }));
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: AUDIT_BUCKET,
      ObjectLockConfiguration: { ObjectLockEnabled: "Enabled", Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 1 } } },
    }),
  );

  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnets: string[] = [];
  for (const [i, az] of ["us-east-1a", "us-east-1b"].entries()) {
    const { Subnet } = await ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: az }));
    subnets.push(Subnet!.SubnetId!);
  }
  await eks.send(
    new CreateClusterCommand({ name: CLUSTER, roleArn: "arn:aws:iam::123456789012:role/eks", resourcesVpcConfig: { subnetIds: subnets } }),
  );

  const sgIds: Record<string, string> = {};
  const instanceIds: Record<string, string> = {};
  const full = async (env: string, tags: Record<string, string>, options: { budget?: [number, number] } = {}) => {
    kube.addNamespace(env, {
      labels: { [K8S_LABEL.managedBy]: "ephemera", [K8S_LABEL.env]: env, ...(tags[TAG.state] ? { [K8S_LABEL.state]: tags[TAG.state] } : {}), ...(tags[TAG.onExpiry] ? { [K8S_LABEL.onExpiry]: tags[TAG.onExpiry] } : {}), ...(tags[TAG.protect] ? { [K8S_LABEL.protect]: tags[TAG.protect] } : {}) },
      annotations: { [K8S_ANNOTATION.owner]: tags[TAG.owner]!, [K8S_ANNOTATION.ttl]: tags[TAG.ttl]!, [K8S_ANNOTATION.createdAt]: tags[TAG.createdAt]! },
    });
    kube.addWorkload("deployments", env, "web", { replicas: 3 });
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: CLUSTER,
        nodegroupName: `${env}-spot`,
        nodeRole: "arn:aws:iam::123456789012:role/node",
        subnets,
        capacityType: "SPOT",
        scalingConfig: { minSize: 1, maxSize: 3, desiredSize: 2 },
        tags,
      }),
    );
    await rds.send(
      new CreateDBSubnetGroupCommand({ DBSubnetGroupName: `${env}-db`, DBSubnetGroupDescription: env, SubnetIds: subnets, Tags: tagList(tags) }),
    );
    await rds.send(
      new CreateDBInstanceCommand({ ...seedDatabase(env, tags), DBSubnetGroupName: `${env}-db` }),
    );
    await secrets.send(new CreateSecretCommand({ Name: `${env}/db`, SecretString: "x", Tags: tagList(tags) }));
    await s3.send(new CreateBucketCommand({ Bucket: `${env}-artifacts` }));
    await s3.send(new PutBucketTaggingCommand({ Bucket: `${env}-artifacts`, Tagging: { TagSet: tagList(tags) } }));
    await s3.send(new PutObjectCommand({ Bucket: `${env}-artifacts`, Key: "build/output.txt", Body: "x" }));
    const { GroupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `${env}-app`, Description: env, VpcId: Vpc!.VpcId!, TagSpecifications: [{ ResourceType: "security-group", Tags: tagList(tags) }] }),
    );
    sgIds[env] = GroupId!;
    const { Instances } = await ec2.send(
      new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1, SubnetId: subnets[0], TagSpecifications: [{ ResourceType: "instance", Tags: tagList(tags) }] }),
    );
    instanceIds[env] = Instances![0]!.InstanceId!;
    const [limit, actual] = options.budget ?? [25, 3];
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: e.accountId,
        Budget: {
          BudgetName: `ephemera-${env}`,
          BudgetType: "COST",
          TimeUnit: "MONTHLY",
          BudgetLimit: { Amount: String(limit), Unit: "USD" },
          CalculatedSpend: { ActualSpend: { Amount: String(actual), Unit: "USD" } },
        },
        ResourceTags: tagList(tags),
      }),
    );
    await scheduler.send(new CreateScheduleGroupCommand({ Name: `ephemera-${env}`, Tags: tagList(tags) }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: "nightly-stop",
        GroupName: `ephemera-${env}`,
        ScheduleExpression: "cron(0 20 * * ? *)",
        FlexibleTimeWindow: { Mode: "OFF" },
        Target: { Arn: "arn:aws:lambda:us-east-1:123456789012:function:stop", RoleArn: "arn:aws:iam::123456789012:role/scheduler" },
      }),
    );
  };

  // Expired two hours ago, owner warned on an earlier run: reaped.
  await full("pr-expired", envTags("pr-expired", now, -2, { [TAG.state]: "expiring" }));
  // Expired, warned, snapshot-delete: the database leaves a final snapshot.
  const snap = envTags("pr-snap", now, -2, { [TAG.state]: "expiring", [TAG.onExpiry]: "snapshot-delete" });
  await rds.send(
    new CreateDBInstanceCommand({ DBInstanceIdentifier: "pr-snap-db", Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "not-a-secret-1", Tags: tagList(snap) }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: "pr-snap-artifacts" }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: "pr-snap-artifacts", Tagging: { TagSet: tagList(snap) } }));
  // Expires in 30 minutes (inside the 1 h window): warned and marked, nothing deleted.
  await full("pr-warn", envTags("pr-warn", now, 0.5));
  // Expired and warned, but one resource is protected: the whole environment is left alone.
  const guarded = envTags("pr-guarded", now, -2, { [TAG.state]: "expiring" });
  await rds.send(
    new CreateDBInstanceCommand({ DBInstanceIdentifier: "pr-guarded-db", Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "not-a-secret-1", Tags: tagList({ ...guarded, [TAG.protect]: "true" }) }),
  );
  await s3.send(new CreateBucketCommand({ Bucket: "pr-guarded-artifacts" }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: "pr-guarded-artifacts", Tagging: { TagSet: tagList(guarded) } }));
  // Over budget (spent 12 of 10), not expired: paused, never deleted.
  await full("pr-budget", envTags("pr-budget", now, 5), { budget: [10, 12] });
  // A ttl the grammar does not know: expiry unknown, no action.
  const malformed = envTags("pr-malformed", now, -2, { [TAG.state]: "expiring", [TAG.ttl]: "forever" });
  await s3.send(new CreateBucketCommand({ Bucket: "pr-malformed-artifacts" }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: "pr-malformed-artifacts", Tagging: { TagSet: tagList(malformed) } }));
  // Not ours: no managed-by tag, or someone else's.
  await s3.send(new CreateBucketCommand({ Bucket: "someone-elses-bucket" }));
  await rds.send(
    new CreateDBInstanceCommand({ DBInstanceIdentifier: "payments-db", Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20, MasterUsername: "app", MasterUserPassword: "not-a-secret-1", Tags: tagList({ [TAG.env]: "pr-expired", team: "payments" }) }),
  );
  const { Instances } = await ec2.send(new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1 }));
  instanceIds.untagged = Instances![0]!.InstanceId!;

  for (const client of [ec2, eks, rds, s3, budgets, scheduler, secrets, sns]) client.destroy();
  return { now, topicArn: TopicArn!, sgIds, instanceIds };
}

async function runSweep(e: Emulator, seeded: Seeded, calls: Map<string, number>): Promise<{ result: SweepResult; ms: number; published: string[] }> {
  const ctx = new AwsKindContext({
    aws: e.clientConfig(),
    accountId: e.accountId,
    auditBucket: AUDIT_BUCKET,
    kubernetesClusters: [CLUSTER],
    kubeClientFactory: (cluster, context) => new KubeClient({ server: kube.url, token: context.eksTokenProvider(cluster) }),
    maxAttempts: 2,
  });
  for (const [service, client] of Object.entries({
    ec2: ctx.ec2,
    eks: ctx.eks,
    rds: ctx.rds,
    s3: ctx.s3,
    budgets: ctx.budgets,
    scheduler: ctx.scheduler,
    secretsmanager: ctx.secretsManager,
    tagging: ctx.tagging,
    sts: ctx.sts,
  })) {
    countCalls(client as never, service, calls);
  }
  const auditS3 = new S3Client(e.clientConfig());
  const sns = new SNSClient(e.clientConfig());
  const sts = new STSClient(e.clientConfig());
  countCalls(auditS3 as never, "audit-s3", calls);
  countCalls(sns as never, "sns", calls);
  countCalls(sts as never, "sts", calls);
  const config = reaperConfig({ auditBucket: AUDIT_BUCKET, allowedAccounts: [e.accountId], notificationTopicArn: seeded.topicArn, auditRetentionDays: 1 });
  const published: string[] = [];
  const sns$ = snsNotifier(sns);
  const notifier: Notifier = {
    notify: async (n) => {
      const out = await sns$.notify(n);
      published.push(n.subject);
      return out;
    },
  };
  const kubeBefore = kube.requests.length;

  const started = Date.now();
  const result = await sweep({
    config,
    callerAccount: stsCallerAccount(sts),
    discover: () => discover(ctx),
    adapters: KIND_ADAPTERS,
    ctx,
    auditStore: new S3StateStore(auditS3, AUDIT_BUCKET, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: true }),
    notifier,
  });
  const ms = Date.now() - started;
  calls.set("kubernetes:(requests)", kube.requests.length - kubeBefore);
  await ctx.destroy();
  for (const client of [auditS3, sns, sts]) client.destroy();
  return { result, ms, published };
}

function report(label: string, result: SweepResult, ms: number, calls: Map<string, number>): void {
  const total = [...calls.values()].reduce((a, b) => a + b, 0);
  const byCall = [...calls.entries()].sort().map(([k, v]) => `  ${k} ${v}`).join("\n");
  console.log(
    `${label}: ${ms} ms wall (discover ${result.timings.discoverMs} ms, decide ${result.timings.decideMs} ms, act ${result.timings.actMs} ms), ` +
      `${total} API requests, ${result.result?.actions.length ?? 0} actions\n${byCall}`,
  );
}

describe("a full sweep over a seeded emulator account", () => {
  let e: Emulator;
  let seeded: Seeded;
  let first: SweepResult;
  let firstPublished: string[] = [];

  beforeAll(async () => {
    e = emulator();
    await e.reset();
    kube.reset();
    seeded = await seed(e);
    const calls = new Map<string, number>();
    const run = await runSweep(e, seeded, calls);
    first = run.result;
    firstPublished = run.published;
    report("first sweep", first, run.ms, calls);
    console.log(renderPlan(first.plan!));
  }, 240_000);

  const clients = () => {
    const config = e.clientConfig();
    return { rds: new RDSClient(config), s3: new S3Client(config), ec2: new EC2Client(config), eks: new EKSClient(config), secrets: new SecretsManagerClient(config), scheduler: new SchedulerClient(config) };
  };
  const exists = async (probe: () => Promise<unknown>) => probe().then(() => true, () => false);
  const dbStatus = async (id: string) =>
    clients()
      .rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))
      .then((o) => o.DBInstances?.[0]?.DBInstanceStatus, () => "gone");
  const dbTags = async (id: string) => {
    const out = await clients().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    return Object.fromEntries((out.DBInstances?.[0]?.TagList ?? []).map((t) => [t.Key, t.Value]));
  };

  test("the run is allowed, completes with no failed action, and plans what each environment's state calls for", () => {
    expect(first.error).toBeUndefined();
    expect(first.result?.actions.filter((a) => a.outcome === "failed" || a.outcome === "skipped")).toEqual([]);
    expect(first.ok).toBe(true);
    expect(first.plan?.environments.map((p) => [p.env, p.intent])).toEqual(
      expect.arrayContaining([
        ["pr-expired", "reap"],
        ["pr-snap", "reap"],
        ["pr-warn", "warn"],
        ["pr-budget", "pause"],
      ]),
    );
    expect(first.plan?.environments).toHaveLength(4);
    const notes = first.plan!.notes.map((n) => `${n.code} ${n.env ?? ""}`);
    expect(notes).toEqual(expect.arrayContaining(["protected pr-guarded", "unknown-expiry pr-malformed", "over-budget pr-budget"]));
  });

  test("the expired environment is gone: namespace, node group, database, subnet group, secret, bucket, instance, security group, budget, schedule", async () => {
    const c = clients();
    expect(kube.namespace("pr-expired")).toBeUndefined();
    expect(await dbStatus("pr-expired-db")).toMatch(/^(gone|deleting)$/);
    const ng = await c.eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: "pr-expired-spot" })).then((o) => o.nodegroup?.status, () => "gone");
    expect(ng).toMatch(/^(gone|DELETING)$/);
    expect(await exists(() => c.rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: "pr-expired-db" })))).toBe(false);
    const secret = await c.secrets.send(new DescribeSecretCommand({ SecretId: "pr-expired/db" })).then((o) => o.DeletedDate, () => "gone");
    expect(secret).toBeDefined();
    expect(await exists(() => c.s3.send(new HeadBucketCommand({ Bucket: "pr-expired-artifacts" })))).toBe(false);
    const instance = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [seeded.instanceIds["pr-expired"]!] }));
    expect(instance.Reservations?.[0]?.Instances?.[0]?.State?.Name).toMatch(/shutting-down|terminated/);
    expect(await exists(() => c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [seeded.sgIds["pr-expired"]!] })))).toBe(false);
    expect(await exists(() => c.scheduler.send(new GetScheduleCommand({ Name: "nightly-stop", GroupName: "ephemera-pr-expired" })))).toBe(false);
  });

  test("the snapshot-delete environment's database leaves a final snapshot named after it", async () => {
    expect(await dbStatus("pr-snap-db")).toMatch(/^(gone|deleting)$/);
    const { DBSnapshots } = await clients().rds.send(new DescribeDBSnapshotsCommand({}));
    expect(DBSnapshots?.map((s) => s.DBSnapshotIdentifier)).toEqual(expect.arrayContaining([expect.stringMatching(/^ephemera-pr-snap-final-\d{12}$/)]));
  });

  test("the environment inside the warning window was notified once and marked expiring, and nothing of it was deleted", async () => {
    expect(firstPublished.filter((subject) => subject.includes("pr-warn"))).toEqual([expect.stringMatching(/^Ephemera: pr-warn expires at /)]);
    expect(await dbStatus("pr-warn-db")).toBe("available");
    expect((await dbTags("pr-warn-db"))[TAG.state]).toBe("expiring");
    expect(kube.namespace("pr-warn")).toBeDefined();
    expect(await exists(() => clients().s3.send(new HeadBucketCommand({ Bucket: "pr-warn-artifacts" })))).toBe(true);
  });

  test("the over-budget environment is paused: workloads and node group at zero with sizes remembered, database stopped, marked paused", async () => {
    expect(await dbStatus("pr-budget-db")).toMatch(/^(stopped|stopping)$/);
    expect((await dbTags("pr-budget-db"))[TAG.state]).toBe("paused");
    const { nodegroup } = await clients().eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: "pr-budget-spot" }));
    expect(nodegroup?.scalingConfig).toMatchObject({ desiredSize: 0, minSize: 0 });
    expect(nodegroup?.tags?.[TAG.pausedSize]).toBe("desired=2 min=1");
    const web = kube.workload("deployments", "pr-budget", "web") as { spec: { replicas: number } };
    expect(web.spec.replicas).toBe(0);
    expect(await exists(() => clients().s3.send(new HeadBucketCommand({ Bucket: "pr-budget-artifacts" })))).toBe(true);
    expect(firstPublished).toContain("Ephemera: pr-budget paused (over budget)");
  });

  test("protected, malformed and unrelated resources, and the audit bucket, are untouched", async () => {
    expect(await dbStatus("pr-guarded-db")).toBe("available");
    expect((await dbTags("pr-guarded-db"))[TAG.state]).toBe("expiring");
    expect(await dbStatus("payments-db")).toBe("available");
    const s3 = clients().s3;
    for (const bucket of ["pr-guarded-artifacts", "pr-malformed-artifacts", "someone-elses-bucket", AUDIT_BUCKET]) {
      expect(await exists(() => s3.send(new HeadBucketCommand({ Bucket: bucket })))).toBe(true);
    }
    const untagged = await clients().ec2.send(new DescribeInstancesCommand({ InstanceIds: [seeded.instanceIds.untagged!] }));
    expect(untagged.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("running");
  });

  test("the run's audit records form a closed chain that verifies", async () => {
    const verification = await verifyAuditRun(new S3Client(e.clientConfig()), AUDIT_BUCKET, first.runId);
    // A run-start, two records per action, a trace seal per environment reaped in full, a run-summary.
    const reaped = first.result!.environments.filter((env) => env.intent === "reap" && env.status === "done").length;
    expect(reaped).toBeGreaterThan(0);
    expect(verification).toMatchObject({ runId: first.runId, ok: true, status: "complete", records: 2 + 2 * first.result!.actions.length + reaped });
  });

  test("a second sweep finds nothing more to do and changes nothing", async () => {
    const calls = new Map<string, number>();
    const { result, ms, published } = await runSweep(e, seeded, calls);
    report("second sweep", result, ms, calls);
    expect(result.error).toBeUndefined();
    expect(result.plan?.environments).toEqual([]);
    expect(result.ok).toBe(true);
    expect(published).toEqual([]);
    expect(await dbStatus("pr-budget-db")).toMatch(/^(stopped|stopping)$/);
  });

  test("a paused database that AWS started again after 7 days is stopped again, and nothing else is touched", async () => {
    await clients().rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: "pr-budget-db" }));
    expect(await dbStatus("pr-budget-db")).toMatch(/^(available|starting)$/);
    const { result } = await runSweep(e, seeded, new Map());
    expect(result.plan?.environments.map((p) => [p.env, p.intent])).toEqual([["pr-budget", "restop"]]);
    expect(result.result?.actions.map((a) => [a.action, a.target.id, a.outcome])).toEqual([["pause", "pr-budget-db", "done"]]);
    expect(await dbStatus("pr-budget-db")).toMatch(/^(stopped|stopping)$/);
  });

  test("in an account not on the allowed list the sweep acts on nothing", async () => {
    const result = await sweep({
      config: reaperConfig({ auditBucket: AUDIT_BUCKET, allowedAccounts: ["210987654321"] }),
      callerAccount: stsCallerAccount(new STSClient(e.clientConfig())),
      discover: () => Promise.reject(new Error("must not be called")),
      adapters: KIND_ADAPTERS,
      ctx: undefined as never,
      auditStore: new S3StateStore(new S3Client(e.clientConfig()), AUDIT_BUCKET, { retentionDays: 1, lockMode: "GOVERNANCE", perObjectRetention: true }),
      notifier: { notify: () => Promise.reject(new Error("must not be called")) },
    });
    expect(result).toMatchObject({ ok: false, accountId: e.accountId, error: expect.stringContaining("is not in allowedAccounts") });
  });
});
