import { BudgetsClient, CreateBudgetCommand, paginateDescribeBudgets } from "@aws-sdk/client-budgets";
import { CreateDBInstanceCommand, paginateDescribeDBInstances, RDSClient } from "@aws-sdk/client-rds";
import { paginateGetResources, ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { CreateBucketCommand, ListBucketsCommand, PutBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateScheduleCommand, CreateScheduleGroupCommand, paginateListScheduleGroups, paginateListSchedules, SchedulerClient } from "@aws-sdk/client-scheduler";
import { CreateSecretCommand, paginateListSecrets, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { Emulator } from "../harness/emulator";
import { envTags, REAPER_FUNCTION_ARN, seedDatabase } from "../harness/seed-environments";
import { budgetName, expireEvent, expiryScheduleGroupName, expiryScheduleName, TAG } from "../reaper/model";
import { mapWithLimit } from "../reaper/support/map-with-limit";

/**
 * The account `npm run bench:reaper` seeds: managed environments as the constructs leave
 * them, and look-alikes (the same tags, but `ephemera:managed-by=someone-else`) that the
 * reaper must leave alone. The plan is a pure function of the two counts, so a child
 * process can rebuild it without being told.
 */

/** The kinds the fleet has resources of (a subset of the reaper's KindName). */
export const FLEET_KINDS = ["s3-bucket", "budget", "scheduler-group", "scheduler-schedule", "secret", "rds-instance"] as const;
export type FleetKind = (typeof FLEET_KINDS)[number];

/** What becomes of an environment in the acting sweep. */
export type Fate = "expired" | "warned" | "fresh";

export interface FleetEnv {
  readonly env: string;
  readonly lookAlike: boolean;
  /** expired: past its expiry, owner already warned (`ephemera:state=expiring`): deleted. warned: expires within the hour. */
  readonly fate: Fate;
  /** Hours from the seeding to the expiry; negative: expired. */
  readonly expiresInHours: number;
  readonly schedule: boolean;
  readonly secret: boolean;
  readonly database: boolean;
}

/** One resource, with the id the reaper's adapter gives it. */
export interface FleetResource {
  readonly kind: FleetKind;
  readonly id: string;
  readonly env: string;
}

/** Shares of the environments with each optional resource: managed, then look-alike. */
const SHARES = {
  schedule: [0.7, 0.5],
  secret: [0.25, 0.2],
  database: [0.05, 0.02],
} as const;

/** Spreads a share evenly over the indexes, uncorrelated with their fate (i % 10, i % 20): the golden-ratio sequence. */
function has(i: number, share: number, salt: number): boolean {
  return ((i + 1) * 0.6180339887498949 + salt) % 1 < share;
}

/**
 * `envs` managed environments `pr-0001`…: every tenth expired (and already warned), every
 * twentieth (offset 4) expiring within the hour, the rest 2 to 7 hours from expiry. Then
 * `lookAlikes` environments `ext-0001`…, half of them expired.
 */
export function fleetPlan(envs: number, lookAlikes: number): FleetEnv[] {
  const out: FleetEnv[] = [];
  const width = Math.max(4, String(Math.max(envs, lookAlikes)).length);
  const make = (prefix: string, i: number, lookAlike: boolean, fate: Fate, expiresInHours: number): FleetEnv => {
    const k = lookAlike ? 1 : 0;
    return {
      env: `${prefix}-${String(i + 1).padStart(width, "0")}`,
      lookAlike,
      fate,
      expiresInHours,
      schedule: has(i, SHARES.schedule[k], 0.01),
      secret: has(i, SHARES.secret[k], 0.02),
      database: has(i, SHARES.database[k], 0.07),
    };
  };
  for (let i = 0; i < envs; i++) {
    if (i % 10 === 9) out.push(make("pr", i, false, "expired", -2));
    else if (i % 20 === 4) out.push(make("pr", i, false, "warned", 0.5));
    else out.push(make("pr", i, false, "fresh", 2 + (i % 6)));
  }
  for (let i = 0; i < lookAlikes; i++) {
    out.push(i % 2 === 0 ? make("ext", i, true, "expired", -2) : make("ext", i, true, "fresh", 3));
  }
  return out;
}

/** Every resource of one environment. */
export function resourcesOf(e: FleetEnv): FleetResource[] {
  const group = expiryScheduleGroupName(e.env);
  return [
    { kind: "s3-bucket" as const, id: `${e.env}-artifacts`, env: e.env },
    { kind: "budget" as const, id: budgetName(e.env), env: e.env },
    { kind: "scheduler-group" as const, id: group, env: e.env },
    ...(e.schedule ? [{ kind: "scheduler-schedule" as const, id: `${group}/${expiryScheduleName(e.env)}`, env: e.env }] : []),
    ...(e.secret ? [{ kind: "secret" as const, id: `${e.env}/db-password`, env: e.env }] : []),
    ...(e.database ? [{ kind: "rds-instance" as const, id: `${e.env}-db`, env: e.env }] : []),
  ];
}

/** Resources by kind, for a subset of the plan. */
export function countByKind(envs: readonly FleetEnv[]): Record<FleetKind, number> {
  const counts = Object.fromEntries(FLEET_KINDS.map((k) => [k, 0])) as Record<FleetKind, number>;
  for (const e of envs) for (const r of resourcesOf(e)) counts[r.kind] += 1;
  return counts;
}

const HOUR = 3_600_000;
const tagList = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** The tags an environment of the plan was seeded with. */
export function fleetTags(e: FleetEnv, now: Date): Record<string, string> {
  return envTags(e.env, now, {
    expiresInHours: e.expiresInHours,
    ...(e.fate === "expired" ? { state: "expiring" } : {}),
    ...(e.lookAlike ? { managedBy: "someone-else" } : {}),
  });
}

/** Seeding and inspecting clients that talk straight to the emulator (not through the proxy). */
export function fleetClients(endpoint: string, region: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const config = { endpoint, region, credentials, maxAttempts: 5 };
  const clients = {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    budgets: new BudgetsClient(config),
    scheduler: new SchedulerClient(config),
    secrets: new SecretsManagerClient(config),
    rds: new RDSClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
  return { ...clients, destroy: () => Object.values(clients).forEach((c) => c.destroy()) };
}

/**
 * Seeds the plan, `concurrency` environments at a time, with one set of clients: the same
 * resources and tags as harness/seed-environments.ts's seedEnvironment, without its
 * per-environment clients. Returns the number of requests sent.
 */
export async function seedFleet(e: Emulator, plan: readonly FleetEnv[], now: Date, concurrency: number, onProgress?: (done: number) => void): Promise<number> {
  const c = fleetClients(e.endpoint, e.region, e.clientConfig().credentials);
  let requests = 0;
  let done = 0;
  const send = async <T>(p: Promise<T>): Promise<T> => {
    requests += 1;
    return p;
  };
  try {
    await mapWithLimit(plan, concurrency, async (fe) => {
      const tags = fleetTags(fe, now);
      const bucket = `${fe.env}-artifacts`;
      await send(c.s3.send(new CreateBucketCommand({ Bucket: bucket })));
      await send(c.s3.send(new PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: tagList(tags) } })));
      await send(
        c.budgets.send(
          new CreateBudgetCommand({
            AccountId: e.accountId,
            Budget: {
              BudgetName: budgetName(fe.env),
              BudgetType: "COST",
              TimeUnit: "MONTHLY",
              BudgetLimit: { Amount: "25", Unit: "USD" },
              CalculatedSpend: { ActualSpend: { Amount: "3", Unit: "USD" } },
            },
            ResourceTags: tagList(tags),
          }),
        ),
      );
      const group = expiryScheduleGroupName(fe.env);
      await send(c.scheduler.send(new CreateScheduleGroupCommand({ Name: group, Tags: tagList(tags) })));
      if (fe.schedule) {
        const expiresAt = new Date(new Date(tags[TAG.createdAt]!).getTime() + 8 * HOUR);
        await send(
          c.scheduler.send(
            new CreateScheduleCommand({
              Name: expiryScheduleName(fe.env),
              GroupName: group,
              ScheduleExpression: `at(${expiresAt.toISOString().slice(0, 19)})`,
              ScheduleExpressionTimezone: "UTC",
              FlexibleTimeWindow: { Mode: "OFF" },
              ActionAfterCompletion: "DELETE",
              Target: { Arn: REAPER_FUNCTION_ARN, RoleArn: "arn:aws:iam::123456789012:role/ephemera-scheduler", Input: JSON.stringify(expireEvent(fe.env)) },
            }),
          ),
        );
      }
      if (fe.secret) {
        await send(c.secrets.send(new CreateSecretCommand({ Name: `${fe.env}/db-password`, SecretString: "not-a-secret", Tags: tagList(tags) })));
      }
      if (fe.database) {
        await send(c.rds.send(new CreateDBInstanceCommand(seedDatabase(fe.env, tags))));
      }
      done += 1;
      onProgress?.(done);
    });
  } finally {
    c.destroy();
  }
  return requests;
}

/** What the account holds, read straight from the emulator: the ids of each kind that exist, and the tags where the listing gives them. */
export interface AccountState {
  readonly ids: Record<FleetKind, Set<string>>;
  /** Tags of buckets, secrets and databases, by `<kind> <id>`. */
  readonly tags: Map<string, Record<string, string>>;
}

export async function readAccount(e: Emulator): Promise<AccountState> {
  const c = fleetClients(e.endpoint, e.region, e.clientConfig().credentials);
  const ids = Object.fromEntries(FLEET_KINDS.map((k) => [k, new Set<string>()])) as Record<FleetKind, Set<string>>;
  const tags = new Map<string, Record<string, string>>();
  const toTags = (list: readonly { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((list ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));
  try {
    for (const b of (await c.s3.send(new ListBucketsCommand({}))).Buckets ?? []) ids["s3-bucket"].add(b.Name!);
    for await (const page of paginateGetResources({ client: c.tagging, pageSize: 100 }, { ResourceTypeFilters: ["s3"] })) {
      for (const m of page.ResourceTagMappingList ?? []) tags.set(`s3-bucket ${m.ResourceARN!.replace(/^arn:aws:s3:::/, "")}`, toTags(m.Tags));
    }
    for await (const page of paginateDescribeBudgets({ client: c.budgets, pageSize: 100 }, { AccountId: e.accountId })) {
      for (const b of page.Budgets ?? []) ids.budget.add(b.BudgetName!);
    }
    for await (const page of paginateListScheduleGroups({ client: c.scheduler, pageSize: 100 }, {})) {
      for (const g of page.ScheduleGroups ?? []) if (g.State !== "DELETING") ids["scheduler-group"].add(g.Name!);
    }
    for await (const page of paginateListSchedules({ client: c.scheduler, pageSize: 100 }, {})) {
      for (const s of page.Schedules ?? []) ids["scheduler-schedule"].add(`${s.GroupName}/${s.Name}`);
    }
    // Secrets scheduled for deletion are left out, as the reaper's listing leaves them out.
    for await (const page of paginateListSecrets({ client: c.secrets, pageSize: 100 }, {})) {
      for (const s of page.SecretList ?? []) {
        if (s.DeletedDate !== undefined) continue;
        ids.secret.add(s.Name!);
        tags.set(`secret ${s.Name}`, toTags(s.Tags));
      }
    }
    for await (const page of paginateDescribeDBInstances({ client: c.rds, pageSize: 100 }, {})) {
      for (const db of page.DBInstances ?? []) {
        if (db.DBInstanceStatus === "deleting") continue;
        ids["rds-instance"].add(db.DBInstanceIdentifier!);
        tags.set(`rds-instance ${db.DBInstanceIdentifier}`, toTags(db.TagList));
      }
    }
  } finally {
    c.destroy();
  }
  return { ids, tags };
}

/** Problems with the account after the acting sweep: a look-alike gone or retagged, an expired environment not fully deleted, a kept one harmed. */
export function checkAfterReap(plan: readonly FleetEnv[], seededTags: ReadonlyMap<string, Record<string, string>>, state: AccountState): { problems: string[]; lookAlikesIntact: number; expiredGone: number } {
  const problems: string[] = [];
  let lookAlikesIntact = 0;
  let expiredGone = 0;
  for (const fe of plan) {
    const resources = resourcesOf(fe);
    const present = resources.filter((r) => state.ids[r.kind].has(r.id));
    if (!fe.lookAlike && fe.fate === "expired") {
      if (present.length === 0) expiredGone += 1;
      else problems.push(`expired ${fe.env} not deleted: ${present.map((r) => `${r.kind} ${r.id}`).join(", ")} still there`);
      continue;
    }
    const missing = resources.filter((r) => !state.ids[r.kind].has(r.id));
    const retagged = resources.filter((r) => {
      const now = state.tags.get(`${r.kind} ${r.id}`);
      return now !== undefined && JSON.stringify(sorted(now)) !== JSON.stringify(sorted(seededTags.get(fe.env) ?? {}));
    });
    if (fe.lookAlike) {
      if (missing.length === 0 && retagged.length === 0) lookAlikesIntact += 1;
      for (const r of missing) problems.push(`look-alike ${fe.env}: ${r.kind} ${r.id} is gone`);
      for (const r of retagged) problems.push(`look-alike ${fe.env}: ${r.kind} ${r.id} was retagged`);
    } else {
      // Warned environments are retagged (ephemera:state=expiring); nothing kept may go.
      for (const r of missing) problems.push(`kept ${fe.env} (${fe.fate}): ${r.kind} ${r.id} is gone`);
    }
  }
  return { problems, lookAlikesIntact, expiredGone };
}

function sorted(tags: Record<string, string>): [string, string][] {
  return Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The audit bucket of the benches' account. */
export const FLEET_AUDIT_BUCKET = "ephemera-audit-bench";

/**
 * The settings a bench's ephemera runs with: the emulator through the counting proxy at
 * `endpoint`, nothing from this machine's AWS configuration, and the reaper's settings for
 * a fleet of `envs`, with the account's cap at `maxEnvironments`.
 */
export function fleetSettings(e: Emulator, endpoint: string, topic: string, envs: number, maxEnvironments: number): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    ...e.env(),
    AWS_ENDPOINT_URL: endpoint,
    AWS_EC2_METADATA_DISABLED: "true",
    // Nothing from this machine's AWS configuration: the emulator's credentials only.
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    EPHEMERA_AUDIT_BUCKET: FLEET_AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: topic,
    EPHEMERA_MAX_ENVS_PER_RUN: String(Math.max(10, envs)),
    EPHEMERA_MAX_ENVIRONMENTS: String(maxEnvironments),
  };
}
