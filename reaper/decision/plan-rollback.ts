import type { DiscoveredResource, Inventory } from "../contracts/kind-adapter";
import type { CheckpointRestoreSpec, Plan, PlanPhase } from "../contracts/plan";
import { credentialsSecretNamePrefix, replacedCheckpointName, ROLLBACK_REPLACED_SUFFIX, ROLLBACK_STAGED_SUFFIX, TAG } from "../model";
import { type ManualPlanOptions, manualPlan, type Planned } from "./manual-plans";
import { stateOf } from "./phases";
import { BASELINE_LABEL, checkpointsOf } from "./plan-checkpoint";


export interface RollbackOptions extends ManualPlanOptions {
  /** The checkpoint: its label, its snapshot identifier, or `baseline`. */
  readonly to: string;
}

/** The environment's database under its three names, as discovery saw them now. */
interface Databases {
  readonly identifier: string;
  readonly current?: DiscoveredResource;
  readonly staged?: DiscoveredResource;
  readonly replaced?: DiscoveredResource;
}

/**
 * A rollback of the environment's database to a checkpoint (`ephemera rollback <env> --to
 * <checkpoint>`), each step in a phase of its own so that none starts before the one before
 * it succeeded:
 *
 * 1. restore the checkpoint as `<identifier>-rollback` (same class, subnet group and security
 *    groups, the environment's tags), and wait until it is available;
 * 2. set its master password from the environment's credentials secret, so the secret the
 *    workloads read opens it;
 * 3. rename the environment's database `<identifier>-replaced`, then the restored one
 *    `<identifier>`: the endpoint (the identifier's DNS name) now reaches the checkpoint's data;
 * 4. mark the replaced database a label-less checkpoint and delete it with a final snapshot,
 *    which takes that mark (`CopyTagsToSnapshot`): its data is kept as a checkpoint;
 * 5. a paused environment's database is stopped again (RDS renames only a running database,
 *    so the replaced one is started before its rename; it is deleted, never left running).
 *
 * The plan is made from what exists, so a rollback that stopped halfway is resumed by the
 * same command: a restore that exists is waited for, a rename done is not repeated. Until step
 * 4 the replaced database still exists, so nothing is lost at any point.
 *
 * Refused (an empty plan with a note that names the fix) for an unknown, protected, reaped
 * or partly seen environment, one without a database or credentials secret, an unknown or
 * unfinished checkpoint, and an unfinished rollback to another checkpoint.
 */
export function planRollback(envId: string, inventory: Inventory, options: RollbackOptions): Plan {
  const now = options.now ?? new Date();
  return manualPlan("rollback", envId, inventory, options, (resources, reason) => rollbackPhases(envId, resources, { ...options, now }, reason));
}

function rollbackPhases(envId: string, resources: readonly DiscoveredResource[], options: RollbackOptions & { readonly now: Date }, reason: string): Planned {
  if (resources.some((r) => stateOf(r) === "reaping")) {
    return { code: "reaping", message: `environment ${envId} is being reaped or released (${TAG.state}=reaping); there is nothing to roll back` };
  }
  const databases = databasesOf(envId, resources);
  if ("code" in databases) return databases;
  const target = checkpointOf(envId, resources, databases, options.to);
  if ("code" in target) return target;
  const unfinished = unfinishedElsewhere(envId, databases, target.snapshot);
  if (unfinished !== undefined) return unfinished;
  const secret = credentialsSecretOf(resources, databases.identifier);
  if (secret === undefined) {
    return {
      code: "no-database",
      message:
        `environment ${envId} has no credentials secret of its database ${databases.identifier} (a secret named ${credentialsSecretNamePrefix(databases.identifier)}…): ` +
        `it was deployed before rollbacks kept the workloads' secret; redeploy it with this version of the constructs, then roll back`,
    };
  }
  const why = `${reason}: back to checkpoint ${options.to} (snapshot ${target.snapshot})`;
  const paused = resources.some((r) => stateOf(r) === "paused");
  const taken = new Set(checkpointsOf(resources).map((c) => c.id));
  return { reason: why, phases: phasesFor(envId, databases, target.snapshot, secret, { why, now: options.now, paused, taken }) };
}

/** The environment's database, by the identifier its three names share; refused when there is none, or more than one. */
function databasesOf(envId: string, resources: readonly DiscoveredResource[]): Databases | { readonly code: "no-database" | "rollback-conflict"; readonly message: string } {
  const instances = resources.filter((r) => r.kind === "rds-instance");
  const base = (id: string) => (id.endsWith(ROLLBACK_STAGED_SUFFIX) ? id.slice(0, -ROLLBACK_STAGED_SUFFIX.length) : id.endsWith(ROLLBACK_REPLACED_SUFFIX) ? id.slice(0, -ROLLBACK_REPLACED_SUFFIX.length) : id);
  const identifiers = [...new Set(instances.map((r) => base(r.id)))];
  if (identifiers.length === 0) return { code: "no-database", message: `environment ${envId} has no database (rds-instance) to roll back` };
  if (identifiers.length > 1) {
    return { code: "rollback-conflict", message: `environment ${envId} has ${identifiers.length} databases (${identifiers.join(", ")}); a rollback acts on an environment with one database` };
  }
  const identifier = identifiers[0]!;
  const named = (id: string) => instances.find((r) => r.id === id);
  return { identifier, current: named(identifier), staged: named(identifier + ROLLBACK_STAGED_SUFFIX), replaced: named(identifier + ROLLBACK_REPLACED_SUFFIX) };
}

/** The checkpoint `to` names: `baseline`, a label, or a snapshot identifier; it must be available. */
function checkpointOf(
  envId: string,
  resources: readonly DiscoveredResource[],
  databases: Databases,
  to: string,
): { readonly snapshot: string } | { readonly code: "unknown-checkpoint"; readonly message: string } {
  const checkpoints = checkpointsOf(resources);
  const labels = checkpoints.map((c) => c.tags[TAG.checkpoint] || c.id);
  const known = `its checkpoints: ${[BASELINE_LABEL, ...labels].join(", ")} (ephemera checkpoints ${envId})`;
  if (to === BASELINE_LABEL) {
    const baseline = [databases.current, databases.staged, databases.replaced].find((d) => d?.tags[TAG.baseline])?.tags[TAG.baseline];
    if (baseline !== undefined) return { snapshot: baseline };
    return { code: "unknown-checkpoint", message: `environment ${envId} has no ${BASELINE_LABEL} checkpoint: its database carries no ${TAG.baseline} tag (it was not restored from a snapshot); ${known}` };
  }
  const found = checkpoints.find((c) => c.tags[TAG.checkpoint] === to) ?? checkpoints.find((c) => c.id === to);
  if (found === undefined) return { code: "unknown-checkpoint", message: `environment ${envId} has no checkpoint ${JSON.stringify(to)}; ${known}` };
  if (found.status !== undefined && found.status !== "available") {
    return { code: "unknown-checkpoint", message: `checkpoint ${to} (snapshot ${found.id}) is ${found.status}, not available yet; roll back once ephemera checkpoints ${envId} shows it available` };
  }
  return { snapshot: found.id };
}

/** A rollback to another checkpoint that stopped halfway: it is finished first, with its own --to. */
function unfinishedElsewhere(envId: string, databases: Databases, snapshot: string): { readonly code: "rollback-conflict"; readonly message: string } | undefined {
  const { current, staged, replaced } = databases;
  const other = [staged, replaced ? current : undefined].map((d) => d?.tags[TAG.restoredFrom]).find((from) => from !== undefined && from !== snapshot);
  const conflict = (why: string) => ({ code: "rollback-conflict" as const, message: `environment ${envId}: ${why}; nothing was changed` });
  if (other !== undefined) return conflict(`an earlier rollback to snapshot ${other} is unfinished; finish it first with ephemera rollback ${envId} --to ${other}`);
  if (current === undefined && (staged === undefined || replaced === undefined)) {
    return conflict(`its database ${databases.identifier} is missing while ${staged?.id ?? replaced?.id} exists; rename that one back to ${databases.identifier} by hand (aws rds modify-db-instance --new-db-instance-identifier)`);
  }
  if (current !== undefined && staged !== undefined && replaced !== undefined) {
    return conflict(`${current.id}, ${staged.id} and ${replaced.id} all exist; delete the one that is not wanted by hand`);
  }
  return undefined;
}

/** The environment's credentials secret of this database (`credentialsSecretNamePrefix`): the one the workloads read. */
function credentialsSecretOf(resources: readonly DiscoveredResource[], identifier: string): string | undefined {
  const prefix = credentialsSecretNamePrefix(identifier);
  const secret = resources.find((r) => r.kind === "secret" && r.id.startsWith(prefix));
  return secret?.arn ?? secret?.id;
}

/** The steps still to do, from what exists; each in a phase of its own. */
function phasesFor(
  envId: string,
  databases: Databases,
  snapshot: string,
  secretArn: string,
  context: { readonly why: string; readonly now: Date; readonly paused: boolean; readonly taken: ReadonlySet<string> },
): PlanPhase[] {
  const { identifier, current, staged, replaced } = databases;
  const { why } = context;
  const template = (current ?? staged ?? replaced)!;
  const as = (id: string): DiscoveredResource => ({ kind: "rds-instance", id, region: template.region, tags: template.tags, ...(template.facts ? { facts: template.facts } : {}) });
  const stagedDb = staged ?? as(identifier + ROLLBACK_STAGED_SUFFIX);
  const replacedDb = replaced ?? as(identifier + ROLLBACK_REPLACED_SUFFIX);
  const phases: PlanPhase[] = [];
  const step = (action: PlanPhase["actions"][number]) => phases.push({ name: "database", actions: [action] });
  if (current !== undefined && replaced === undefined) {
    const tags = { ...withoutRuntimeMarks(current.tags), [TAG.restoredFrom]: snapshot };
    step({ type: "restore-checkpoint", resource: { ...stagedDb, tags }, from: restoreSpec(current, snapshot), reason: why });
    step({ type: "set-password", resource: stagedDb, secretArn, reason: why });
    // RDS renames only a running database: a paused environment's is started first (and the restored one stopped at the end).
    if (context.paused && current.status === "stopped") step({ type: "resume", resource: current, reason: `${why}; RDS renames only a running database, so the paused one is started for the swap` });
    step({ type: "rename", resource: current, to: replacedDb.id, reason: why });
  }
  if (current === undefined || replaced === undefined) step({ type: "rename", resource: stagedDb, to: identifier, reason: why });
  const kept = freeName((n) => replacedCheckpointName(envId, context.now, n), context.taken);
  step({ type: "tag", resource: replacedDb, tags: { [TAG.checkpoint]: "" }, reason: `${why}; the replaced database is kept as the label-less checkpoint ${kept}` });
  step({ type: "delete", resource: replacedDb, finalSnapshotName: kept, reason: `${why}; its data is kept as the checkpoint ${kept}` });
  if (context.paused) step({ type: "pause", resource: as(identifier), reason: `${why}; the environment is paused, so its restored database is stopped again` });
  return phases;
}

/** The first of `name(1)`, `name(2)`, … that no checkpoint has: a second rollback within the same second gets its own. */
function freeName(name: (n: number) => string, taken: ReadonlySet<string>): string {
  let n = 1;
  while (taken.has(name(n))) n++;
  return name(n);
}

/** What the restored database is made as: the replaced one's class, subnet group and security groups. */
function restoreSpec(current: DiscoveredResource, snapshot: string): CheckpointRestoreSpec {
  const facts = current.facts ?? {};
  return {
    snapshot,
    instanceClass: String(facts.instanceClass ?? ""),
    subnetGroup: String(facts.subnetGroup ?? ""),
    securityGroupIds: String(facts.securityGroups ?? "").split(",").filter(Boolean),
  };
}

/** The replaced database's tags for the restored one, without the marks a run writes on one resource (a pause's remembered size). */
function withoutRuntimeMarks(tags: Readonly<Record<string, string>>): Record<string, string> {
  const { [TAG.pausedSize]: _size, ...rest } = tags;
  return rest;
}
