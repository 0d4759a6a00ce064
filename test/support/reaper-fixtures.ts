import type { DiscoveredResource, Inventory, KindName, ListingFailure } from "../../reaper/contracts/kind-adapter";
import { KIND_NAMES } from "../../reaper/contracts/kind-catalog";
import { TAG } from "../../reaper/model";
import type { DecideConfig } from "../../reaper/decision/decide";
import type { Plan, PlannedAction } from "../../reaper/contracts/plan";

export const HOUR = 3_600_000;

/** Every kind the reaper knows, for fakes and generators. */
export const ALL_KINDS: readonly KindName[] = KIND_NAMES;
export const NOW = new Date("2026-05-01T12:00:00Z");
export const AUDIT_BUCKET = "acme-ephemera-audit";
export const OWNER_TOPIC = "arn:aws:sns:us-east-1:123456789012:team-web";
export const PLATFORM_TOPIC = "arn:aws:sns:us-east-1:123456789012:ephemera-owners";

export const CONFIG: DecideConfig = {
  auditBucket: AUDIT_BUCKET,
  warningWindowMs: HOUR,
  maxEnvironmentsPerRun: 10,
  notificationTopicArn: PLATFORM_TOPIC,
  maxTtlMs: 14 * 24 * HOUR,
};

export interface EnvOptions {
  /** Hours from NOW to the expiry (negative: expired). @default -1 */
  readonly expiresInHours?: number;
  readonly onExpiry?: string;
  readonly state?: string;
  readonly owner?: string;
  readonly extra?: Record<string, string>;
}

/** The tags tagEnvironment writes, for an environment expiring `expiresInHours` from NOW (created-at + 8h). */
export function envTags(env: string, options: EnvOptions = {}): Record<string, string> {
  const expires = NOW.getTime() + (options.expiresInHours ?? -1) * HOUR;
  return {
    [TAG.managedBy]: "ephemera",
    [TAG.env]: env,
    [TAG.owner]: options.owner ?? OWNER_TOPIC,
    [TAG.ttl]: "8h",
    [TAG.createdAt]: new Date(expires - 8 * HOUR).toISOString(),
    ...(options.onExpiry === undefined ? {} : { [TAG.onExpiry]: options.onExpiry }),
    ...(options.state === undefined ? {} : { [TAG.state]: options.state }),
    ...options.extra,
  };
}

export function resource(
  kind: KindName,
  id: string,
  tags: Record<string, string>,
  more: Partial<Pick<DiscoveredResource, "status" | "facts" | "arn">> = {},
): DiscoveredResource {
  return { kind, id, region: "us-east-1", tags, ...more };
}

/** A typical environment: namespace, node group, database and its subnet group and secret, bucket, SG, budget, schedule. */
export function environment(env: string, options: EnvOptions = {}, budget?: { limitUsd: number; actualUsd: number }): DiscoveredResource[] {
  const tags = envTags(env, options);
  return [
    resource("k8s-namespace", `shared/${env}`, tags),
    resource("eks-nodegroup", `shared/${env}-spot`, tags, { facts: { desiredSize: 2 } }),
    resource("rds-instance", `${env}-db`, tags, { status: options.state === "paused" ? "stopped" : "available" }),
    resource("db-subnet-group", `${env}-db-subnets`, tags),
    resource("secret", `${env}/db-password`, tags),
    resource("s3-bucket", `${env}-artifacts`, tags),
    resource("security-group", `sg-${env}`, tags),
    resource("budget", `${env}-budget`, tags, { facts: { limitUsd: budget?.limitUsd ?? 25, actualUsd: budget?.actualUsd ?? 3 } }),
    resource("scheduler-schedule", `${env}-nightly`, tags),
  ];
}

export function inventory(resources: readonly DiscoveredResource[], failures: readonly ListingFailure[] = []): Inventory {
  return { resources, failures };
}

export function envPlan(plan: Plan, env: string) {
  return plan.environments.find((e) => e.env === env);
}

export function allActions(plan: Plan): { env: string; phase: string; action: PlannedAction }[] {
  return plan.environments.flatMap((e) => e.phases.flatMap((p) => p.actions.map((action) => ({ env: e.env, phase: p.name, action }))));
}

/** `delete rds-instance pr-1-db` for each action of one environment, in order. */
export function steps(plan: Plan, env: string): string[] {
  return (envPlan(plan, env)?.phases ?? []).flatMap((phase) =>
    phase.actions.map((a) =>
      a.type === "notify"
        ? `${phase.name}: notify ${a.topicArn}`
        : a.type === "tag"
          ? `${phase.name}: tag ${a.resource.kind} ${Object.values(a.tags).join(",")}`
          : `${phase.name}: ${a.type} ${a.resource.kind}`,
    ),
  );
}
