import type { DiscoveredResource, Inventory, ListingFailure } from "../contracts/kind-adapter";
import { isManagedByEphemera, TAG, tryParseEnvId } from "../model";
import type { PlanNote } from "../contracts/plan";
import { refersToAuditBucket } from "../contracts/refers-to-audit-bucket";

/** The resources of one environment, and the listing failures that may hide more of them. */
export interface EnvironmentView {
  readonly env: string;
  /** Sorted by kind, then id, so everything downstream is deterministic. */
  readonly resources: readonly DiscoveredResource[];
  readonly failures: readonly ListingFailure[];
}

export interface GroupedInventory {
  /** Sorted by environment id. */
  readonly environments: readonly EnvironmentView[];
  /** Warm pool databases no environment has claimed (`ephemera:pool`, no `ephemera:env`), by pool name: never an environment's. */
  readonly pools: Readonly<Record<string, readonly DiscoveredResource[]>>;
  /** The security groups of those databases (each its own, named after it), by pool name: never an environment's either. */
  readonly poolSecurityGroups: Readonly<Record<string, readonly DiscoveredResource[]>>;
  readonly notes: readonly PlanNote[];
}

/**
 * The reaper's gates before any policy: only resources tagged
 * `ephemera:managed-by=ephemera` with a valid `ephemera:env` are grouped; the audit
 * bucket never is. Everything dropped is reported.
 */
export function groupEnvironments(inventory: Inventory, auditBucket: string): GroupedInventory {
  const notes: PlanNote[] = [];
  const byEnv = new Map<string, DiscoveredResource[]>();
  const pools: Record<string, DiscoveredResource[]> = {};
  const poolSecurityGroups: Record<string, DiscoveredResource[]> = {};
  for (const resource of inventory.resources) {
    const ref = { kind: resource.kind, id: resource.id };
    if (!isManagedByEphemera(resource.tags)) {
      notes.push({ level: "info", code: "unmanaged", resource: ref, message: `not tagged ${TAG.managedBy}=ephemera; ignored` });
      continue;
    }
    if (refersToAuditBucket(resource, auditBucket)) {
      notes.push({
        level: "warning",
        code: "audit-bucket",
        resource: ref,
        message: "is the audit bucket; the reaper never acts on it, whatever its tags say",
      });
      continue;
    }
    const envTag = resource.tags[TAG.env];
    const pool = resource.tags[TAG.pool];
    if (envTag === undefined && pool !== undefined && (resource.kind === "rds-instance" || resource.kind === "security-group")) {
      ((resource.kind === "rds-instance" ? pools : poolSecurityGroups)[pool] ??= []).push(resource);
      continue;
    }
    const envId = envTag === undefined ? undefined : tryParseEnvId(envTag, { field: TAG.env });
    if (envId === undefined || !envId.ok) {
      notes.push({
        level: "warning",
        code: "invalid-env",
        resource: ref,
        message: envId === undefined ? `has no ${TAG.env} tag; skipped` : `${envId.error.message}; skipped`,
      });
      continue;
    }
    const list = byEnv.get(envId.value) ?? [];
    list.push(resource);
    byEnv.set(envId.value, list);
  }

  const failures = [...inventory.failures].sort(
    (a, b) =>
      compareText(a.kind, b.kind) ||
      compareText(a.scope, b.scope) ||
      compareText(a.env ?? "", b.env ?? "") ||
      compareText(a.code ?? "", b.code ?? "") ||
      compareText(a.message, b.message),
  );
  for (const failure of failures) {
    notes.push({
      level: "warning",
      code: "listing-failure",
      ...(failure.env === undefined ? {} : { env: failure.env }),
      message: `listing ${failure.kind} in ${failure.scope} failed${failure.code ? ` (${failure.code})` : ""}: ${failure.message}`,
    });
  }

  const environments = [...byEnv.keys()].sort(compareText).map((env) => ({
    env,
    resources: byEnv.get(env)!.slice().sort((a, b) => compareText(a.kind, b.kind) || compareText(a.id, b.id)),
    failures: failures.filter((f) => f.env === undefined || f.env === env),
  }));
  for (const members of [...Object.values(pools), ...Object.values(poolSecurityGroups)]) members.sort((a, b) => compareText(a.id, b.id));
  return { environments, pools, poolSecurityGroups, notes };
}

/** Code-unit order, independent of the host's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The `ephemera:owner` values an environment's resources carry, each once, sorted (resources may disagree). */
export function ownersOf(resources: readonly DiscoveredResource[]): string[] {
  return [...new Set(resources.map((r) => r.tags[TAG.owner]).filter((o): o is string => !!o))].sort(compareText);
}
