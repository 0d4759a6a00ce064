import { DEFAULT_TTL } from "../constructs/environment-tags";
import type { DecisionTraceGrant } from "../constructs/trace-append-policy";
import {
  DEFAULT_ON_EXPIRY,
  InvalidValueError,
  isKmsKeyArn,
  isS3BucketName,
  isSecretArn,
  ON_EXPIRY_VALUES,
  OnExpiry,
  SETTINGS,
  tryParseDuration,
  tryParseEnvId,
  tryParseInstant,
} from "../reaper/model";

/** Where an input is read from: cdktf context first, then the process environment. */
export type InputSource = (name: string) => string | undefined;

/** One input an EnvironmentStack reads, with the example shown when it is missing or bad. */
export interface Input {
  readonly name: string;
  readonly example: string;
  readonly required: boolean;
  /** When it is required other than always (shown in docs/deploying.md). */
  readonly requiredWhen?: string;
  readonly what: string;
}

const INPUTS = {
  env: { name: "EPHEMERA_ENV", example: "pr-123", required: true, what: "environment id, DNS-label safe" },
  ttl: { name: "EPHEMERA_TTL", example: "8h", required: false, what: `lifetime from first apply (default ${DEFAULT_TTL})` },
  expiresAt: { name: "EPHEMERA_EXPIRES_AT", example: "2026-12-01T18:00:00Z", required: false, what: "absolute expiry override (the later of the two applies)" },
  owner: { name: "EPHEMERA_OWNER", example: "team-web@example.com", required: true, what: "who is notified" },
  budgetUsd: { name: "EPHEMERA_BUDGET_USD", example: "25", required: true, what: "monthly budget in US dollars" },
  onExpiry: { name: "EPHEMERA_ON_EXPIRY", example: "delete", required: false, what: `${ON_EXPIRY_VALUES.join(" | ")} (default ${DEFAULT_ON_EXPIRY})` },
  region: { name: "EPHEMERA_REGION", example: "us-east-1", required: false, what: "AWS region (default: AWS_REGION, else us-east-1)" },
  clusterName: { name: "EPHEMERA_CLUSTER_NAME", example: "previews", required: true, what: "the shared EKS cluster" },
  oidcProviderArn: { name: "EPHEMERA_OIDC_PROVIDER_ARN", example: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC", required: true, what: "the cluster's IAM OIDC provider (IRSA)" },
  vpcId: { name: "EPHEMERA_VPC_ID", example: "vpc-0abc", required: true, what: "the cluster's VPC" },
  subnetIds: { name: "EPHEMERA_PRIVATE_SUBNET_IDS", example: "subnet-0a,subnet-0b", required: true, what: "private subnets in two or more zones, comma-separated" },
  baselineSnapshot: { name: "EPHEMERA_BASELINE_SNAPSHOT", example: "baseline-2026-11-01", required: false, requiredWhen: "this or EPHEMERA_BASELINE_DB_INSTANCE, unless EPHEMERA_DATABASE=false", what: "snapshot to restore the database from" },
  baselineDbInstance: { name: "EPHEMERA_BASELINE_DB_INSTANCE", example: "baseline-db", required: false, requiredWhen: "this or EPHEMERA_BASELINE_SNAPSHOT, unless EPHEMERA_DATABASE=false", what: "restore the latest snapshot of this DB instance" },
  database: { name: "EPHEMERA_DATABASE", example: "false", required: false, what: "false to create no database (default true)" },
  nodes: { name: "EPHEMERA_NODES", example: "shared", required: false, what: "dedicated (a Spot node group of its own, the default) or shared (workloads on an existing node pool)" },
  sharedNodeSecurityGroup: { name: "EPHEMERA_SHARED_NODE_SECURITY_GROUP", example: "sg-0pool1234", required: false, requiredWhen: "with EPHEMERA_NODES=shared and a database", what: "the shared node pool's security group, which the database admits" },
  claimedDatabase: { name: "EPHEMERA_CLAIMED_DATABASE", example: "ephemera-pool-default-ab12cd34", required: false, what: "a warm pool database claimed with `ephemera claim`: imported instead of restored (default: a fresh restore)" },
  poolSubnetGroup: { name: "EPHEMERA_POOL_SUBNET_GROUP", example: "ephemera-pool-default", required: false, requiredWhen: "with EPHEMERA_CLAIMED_DATABASE", what: "the pool's DB subnet group, which the claimed database stays in" },
  claimedSecurityGroup: {
    name: "EPHEMERA_CLAIMED_SECURITY_GROUP",
    example: "sg-0abc1234",
    required: false,
    requiredWhen: "with EPHEMERA_CLAIMED_DATABASE",
    what: "the claimed database's own security group (`ephemera claim --json`'s securityGroupId): imported, and the environment's rules added to it",
  },
  claimedSecret: {
    name: "EPHEMERA_CLAIMED_SECRET",
    example: "arn:aws:secretsmanager:us-east-1:123456789012:secret:ephemera-pool-default-ab12cd34-credentials-1a2b3c4d-AbCdEf",
    required: false,
    requiredWhen: "with EPHEMERA_CLAIMED_DATABASE",
    what: "the environment's credentials secret the claim wrote (`ephemera claim --json`'s secretArn): imported, and the database_secret_arn output",
  },
  pauseTopicArn: { name: "EPHEMERA_PAUSE_TOPIC_ARN", example: "arn:aws:sns:us-east-1:123456789012:ephemera-pause", required: true, what: "the platform's pause topic" },
  ownerTopicArn: { name: "EPHEMERA_OWNER_TOPIC_ARN", example: "arn:aws:sns:us-east-1:123456789012:team-web", required: false, what: "topic for the owner's 50 % and 80 % budget warnings" },
  stateBucket: { name: "EPHEMERA_STATE_BUCKET", example: "acme-terraform-state", required: false, what: "S3 bucket for remote state; the key is ephemera/environments/<env>/terraform.tfstate (default: local state)" },
  stateLockTable: { name: "EPHEMERA_STATE_LOCK_TABLE", example: "terraform-locks", required: false, what: "DynamoDB table for state locking" },
  reaperFunctionArn: { name: "EPHEMERA_REAPER_FUNCTION_ARN", example: "arn:aws:lambda:us-east-1:123456789012:function:ephemera-reaper", required: false, requiredWhen: "with EPHEMERA_REAPER_SCHEDULER_ROLE_ARN", what: "the platform's reaper_function_arn output: invoke the reaper at expiry" },
  reaperSchedulerRoleArn: { name: "EPHEMERA_REAPER_SCHEDULER_ROLE_ARN", example: "arn:aws:iam::123456789012:role/ephemera-reaper-scheduler-us-east-1", required: false, requiredWhen: "with EPHEMERA_REAPER_FUNCTION_ARN", what: "the platform's reaper_scheduler_role_arn output" },
  // The same variable the reaper's CLI reads for its audit bucket.
  auditBucket: {
    name: SETTINGS.auditBucket.env,
    example: "acme-ephemera-audit",
    required: false,
    requiredWhen: "with EPHEMERA_AUDIT_KMS_KEY_ARN",
    what: "the platform's audit_bucket output: the workload may append to the environment's decision trace in it (docs/traces.md; default: no grant)",
  },
  auditKmsKeyArn: {
    name: "EPHEMERA_AUDIT_KMS_KEY_ARN",
    example: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    required: false,
    requiredWhen: `with ${SETTINGS.auditBucket.env}`,
    what: "the platform's audit_kms_key_arn output, the audit bucket's key",
  },
} as const satisfies Record<string, Input>;

/** Everything an EnvironmentStack needs, validated. */
export interface EnvironmentConfig {
  readonly envId: string;
  readonly ttl?: string;
  readonly expiresAt?: string;
  readonly owner: string;
  readonly budgetUsd: number;
  readonly onExpiry: OnExpiry;
  readonly region?: string;
  readonly clusterName: string;
  readonly oidcProviderArn: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  readonly baselineSnapshot?: string;
  readonly baselineDbInstance?: string;
  readonly database: boolean;
  /** `dedicated` (the default) or `shared` nodes, and the shared pool's security group. */
  readonly nodes?: "dedicated" | "shared";
  readonly sharedNodeSecurityGroup?: string;
  /** A claimed pool database, imported instead of restored, with its own security group and the credentials secret the claim wrote. */
  readonly claimedDatabase?: { readonly identifier: string; readonly subnetGroupName: string; readonly securityGroupId: string; readonly secretArn: string };
  readonly pauseTopicArn: string;
  readonly ownerTopicArn?: string;
  readonly stateBucket?: string;
  readonly stateLockTable?: string;
  /** The platform's reaper, invoked by a one-shot schedule at the environment's expiry. */
  readonly reaper?: { readonly functionArn: string; readonly schedulerRoleArn: string };
  /** The audit bucket and its key: the workload may append to the environment's decision trace. */
  readonly decisionTrace?: DecisionTraceGrant;
}

/** A list of every missing or bad input, so a pipeline fixes them in one go. */
export class EnvironmentConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the environment stack cannot be synthesized:\n${problems.map((p) => `  - ${p}`).join("\n")}\nSet them as environment variables or cdktf context (cdktf.json "context", or --var style context keys of the same names).`);
    this.name = "EnvironmentConfigError";
  }
}

/** Reads and validates every input; throws one error that lists all problems. */
export function readEnvironmentConfig(source: InputSource): EnvironmentConfig {
  // The steps read the inputs in this order, which is the order the problems are listed in.
  const inputs = new InputReader(source);
  const { envId, ttl, expiresAt } = readLifetime(inputs);
  const budgetUsd = readBudget(inputs);
  const onExpiry = readOnExpiry(inputs);
  const { database, baselineSnapshot, baselineDbInstance } = readDatabase(inputs);
  const { nodes, sharedNodeSecurityGroup } = readNodes(inputs, database);
  const claimedDatabase = readClaimedDatabase(inputs, database);
  const reaper = readReaper(inputs);
  const decisionTrace = readDecisionTrace(inputs);
  const subnets = inputs.read(INPUTS.subnetIds)?.split(",").map((s) => s.trim()).filter(Boolean);

  const config = {
    envId: envId!,
    ttl,
    expiresAt,
    owner: inputs.read(INPUTS.owner)!,
    budgetUsd: budgetUsd!,
    onExpiry,
    region: inputs.read(INPUTS.region),
    clusterName: inputs.read(INPUTS.clusterName)!,
    oidcProviderArn: inputs.read(INPUTS.oidcProviderArn)!,
    vpcId: inputs.read(INPUTS.vpcId)!,
    subnetIds: subnets ?? [],
    baselineSnapshot,
    baselineDbInstance,
    database,
    nodes,
    sharedNodeSecurityGroup,
    claimedDatabase,
    pauseTopicArn: inputs.read(INPUTS.pauseTopicArn)!,
    ownerTopicArn: inputs.read(INPUTS.ownerTopicArn),
    stateBucket: inputs.read(INPUTS.stateBucket),
    stateLockTable: inputs.read(INPUTS.stateLockTable),
    reaper,
    decisionTrace,
  };
  if (inputs.problems.length > 0) throw new EnvironmentConfigError(inputs.problems);
  return config;
}

/** Reads inputs from a source, and keeps every problem found, so that all are reported at once. */
class InputReader {
  readonly problems: string[] = [];

  constructor(private readonly source: InputSource) {}

  /** The input's trimmed value; undefined, and a problem when it is required, when it is unset or blank. */
  read(input: Input): string | undefined {
    const raw = this.source(input.name)?.trim();
    if (raw) return raw;
    if (input.required) this.problems.push(`${input.name} is not set (${input.what}), e.g. ${input.name}=${input.example}`);
    return undefined;
  }

  /** `value` parsed; undefined, and a problem, when it does not parse. */
  check<T>(value: string | undefined, parse: (v: string) => { ok: true; value: T } | { ok: false; error: InvalidValueError }): T | undefined {
    if (value === undefined) return undefined;
    const result = parse(value);
    if (result.ok) return result.value;
    this.problems.push(result.error.message);
    return undefined;
  }
}

/** The environment's id, its ttl and its expiry override. */
function readLifetime(inputs: InputReader): { envId?: string; ttl?: string; expiresAt?: string } {
  const envId = inputs.check(inputs.read(INPUTS.env), (v) => tryParseEnvId(v, { field: INPUTS.env.name }));
  const ttl = inputs.read(INPUTS.ttl);
  inputs.check(ttl, (v) => tryParseDuration(v, { field: INPUTS.ttl.name }));
  const expiresAt = inputs.read(INPUTS.expiresAt);
  inputs.check(expiresAt, (v) => tryParseInstant(v, { field: INPUTS.expiresAt.name }));
  return { envId, ttl, expiresAt };
}

/** The monthly budget, a positive number of US dollars. */
function readBudget(inputs: InputReader): number | undefined {
  const budgetText = inputs.read(INPUTS.budgetUsd);
  const budgetUsd = budgetText === undefined ? undefined : Number(budgetText);
  if (budgetText !== undefined && !(Number.isFinite(budgetUsd) && budgetUsd! > 0)) {
    inputs.problems.push(`${INPUTS.budgetUsd.name} "${budgetText}" is not a positive number of US dollars; use e.g. ${INPUTS.budgetUsd.name}=25`);
  }
  return budgetUsd;
}

/** What the reaper does at expiry (default delete). */
function readOnExpiry(inputs: InputReader): OnExpiry {
  const onExpiry = (inputs.read(INPUTS.onExpiry) ?? "delete") as OnExpiry;
  if (!ON_EXPIRY_VALUES.includes(onExpiry)) {
    inputs.problems.push(`${INPUTS.onExpiry.name} "${onExpiry}" is not one of ${ON_EXPIRY_VALUES.join(", ")}; use e.g. ${INPUTS.onExpiry.name}=delete`);
  }
  return onExpiry;
}

/** Whether there is a database, and the baseline it is restored from (exactly one of the two, with a database). */
function readDatabase(inputs: InputReader): Pick<EnvironmentConfig, "database" | "baselineSnapshot" | "baselineDbInstance"> {
  const databaseText = inputs.read(INPUTS.database) ?? "true";
  if (databaseText !== "true" && databaseText !== "false") {
    inputs.problems.push(`${INPUTS.database.name} "${databaseText}" must be true or false`);
  }
  const database = databaseText !== "false";
  const baselineSnapshot = inputs.read(INPUTS.baselineSnapshot);
  const baselineDbInstance = inputs.read(INPUTS.baselineDbInstance);
  if (database && (baselineSnapshot === undefined) === (baselineDbInstance === undefined)) {
    inputs.problems.push(
      `set exactly one of ${INPUTS.baselineSnapshot.name} (e.g. ${INPUTS.baselineSnapshot.example}) or ${INPUTS.baselineDbInstance.name} (e.g. ${INPUTS.baselineDbInstance.example}), or ${INPUTS.database.name}=false`,
    );
  }
  return { database, baselineSnapshot, baselineDbInstance };
}

/** Dedicated or shared nodes, and the shared pool's security group, which a database needs with shared nodes. */
function readNodes(inputs: InputReader, database: boolean): { nodes: "dedicated" | "shared"; sharedNodeSecurityGroup?: string } {
  const nodes = inputs.read(INPUTS.nodes) ?? "dedicated";
  if (nodes !== "dedicated" && nodes !== "shared") inputs.problems.push(`${INPUTS.nodes.name} "${nodes}" is not dedicated or shared; use e.g. ${INPUTS.nodes.name}=shared`);
  const sharedNodeSecurityGroup = inputs.read(INPUTS.sharedNodeSecurityGroup);
  if (nodes === "shared" && database && sharedNodeSecurityGroup === undefined) {
    inputs.problems.push(`${INPUTS.nodes.name}=shared with a database needs ${INPUTS.sharedNodeSecurityGroup.name} (e.g. ${INPUTS.sharedNodeSecurityGroup.example}), the security group the database admits`);
  }
  return { nodes: nodes as "dedicated" | "shared", sharedNodeSecurityGroup };
}

/**
 * A claimed pool database, the pool's subnet group, the database's own security group and its
 * credentials secret: all four or none, and only with a database.
 */
function readClaimedDatabase(inputs: InputReader, database: boolean): EnvironmentConfig["claimedDatabase"] {
  const identifier = inputs.read(INPUTS.claimedDatabase);
  const subnetGroupName = inputs.read(INPUTS.poolSubnetGroup);
  const securityGroupId = inputs.read(INPUTS.claimedSecurityGroup);
  const secretArn = inputs.read(INPUTS.claimedSecret);
  if ((identifier === undefined) !== (subnetGroupName === undefined)) {
    inputs.problems.push(`set both ${INPUTS.claimedDatabase.name} (ephemera claim's database) and ${INPUTS.poolSubnetGroup.name} (e.g. ${INPUTS.poolSubnetGroup.example}), or neither`);
  }
  for (const [input, value, field, what] of [
    [INPUTS.claimedSecurityGroup, securityGroupId, "securityGroupId", "the database's own security group"],
    [INPUTS.claimedSecret, secretArn, "secretArn", "the environment's credentials secret"],
  ] as const) {
    if ((identifier === undefined) === (value === undefined)) continue;
    inputs.problems.push(
      identifier === undefined
        ? `${input.name} is set, but ${INPUTS.claimedDatabase.name} is not: set both (ephemera claim --json's database and ${field}), or neither`
        : `${INPUTS.claimedDatabase.name} is set, but ${input.name} is not: set it to ephemera claim --json's ${field} (e.g. ${input.name}=${input.example}), ${what}`,
    );
  }
  if (securityGroupId !== undefined && !/^sg-[0-9a-f]+$/.test(securityGroupId)) {
    inputs.problems.push(`${INPUTS.claimedSecurityGroup.name} "${securityGroupId}" is not a security group id; set it to ephemera claim --json's securityGroupId, e.g. ${INPUTS.claimedSecurityGroup.name}=${INPUTS.claimedSecurityGroup.example}`);
  }
  if (secretArn !== undefined && !isSecretArn(secretArn)) {
    inputs.problems.push(`${INPUTS.claimedSecret.name} "${secretArn}" is not a Secrets Manager secret ARN; set it to ephemera claim --json's secretArn, e.g. ${INPUTS.claimedSecret.name}=${INPUTS.claimedSecret.example}`);
  }
  if (identifier !== undefined && !database) inputs.problems.push(`${INPUTS.claimedDatabase.name} is set, but ${INPUTS.database.name}=false: a claimed database needs a database`);
  return identifier !== undefined && subnetGroupName !== undefined && securityGroupId !== undefined && secretArn !== undefined ? { identifier, subnetGroupName, securityGroupId, secretArn } : undefined;
}

/** The platform's reaper: its function and its scheduler role, both or neither. */
function readReaper(inputs: InputReader): EnvironmentConfig["reaper"] {
  const reaperFunctionArn = inputs.read(INPUTS.reaperFunctionArn);
  const reaperSchedulerRoleArn = inputs.read(INPUTS.reaperSchedulerRoleArn);
  if ((reaperFunctionArn === undefined) !== (reaperSchedulerRoleArn === undefined)) {
    inputs.problems.push(`set both ${INPUTS.reaperFunctionArn.name} and ${INPUTS.reaperSchedulerRoleArn.name} (the platform stack's reaper outputs), or neither`);
  }
  return reaperFunctionArn && reaperSchedulerRoleArn ? { functionArn: reaperFunctionArn, schedulerRoleArn: reaperSchedulerRoleArn } : undefined;
}

/** The audit bucket and its key, for the workload's grant to its decision trace: both or neither. */
function readDecisionTrace(inputs: InputReader): EnvironmentConfig["decisionTrace"] {
  const auditBucketName = inputs.read(INPUTS.auditBucket);
  const auditKmsKeyArn = inputs.read(INPUTS.auditKmsKeyArn);
  if ((auditBucketName === undefined) !== (auditKmsKeyArn === undefined)) {
    inputs.problems.push(
      `set both ${INPUTS.auditBucket.name} and ${INPUTS.auditKmsKeyArn.name} (the platform stack's audit_bucket and audit_kms_key_arn outputs), or neither: with both, the workload may append to its decision trace`,
    );
  }
  if (auditBucketName !== undefined && !isS3BucketName(auditBucketName)) {
    inputs.problems.push(`${INPUTS.auditBucket.name} "${auditBucketName}" is not an S3 bucket name; set it to the platform stack's audit_bucket output, e.g. ${INPUTS.auditBucket.name}=${INPUTS.auditBucket.example}`);
  }
  if (auditKmsKeyArn !== undefined && !isKmsKeyArn(auditKmsKeyArn)) {
    inputs.problems.push(`${INPUTS.auditKmsKeyArn.name} "${auditKmsKeyArn}" is not a KMS key ARN; set it to the platform stack's audit_kms_key_arn output, e.g. ${INPUTS.auditKmsKeyArn.name}=${INPUTS.auditKmsKeyArn.example}`);
  }
  return auditBucketName !== undefined && auditKmsKeyArn !== undefined ? { auditBucketName, auditKmsKeyArn } : undefined;
}

/** Names of every input, for documentation and `--help` style listings. */
export const ENVIRONMENT_INPUTS: readonly Input[] = Object.values(INPUTS);
