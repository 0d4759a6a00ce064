import { DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import type { DiscoveredResource } from "../contracts/kind-adapter";
import { productKey, type Product } from "../contracts/product";
import { BASELINE_LABEL, checkpointsOf } from "../decision/plan-checkpoint";
import { groupEnvironments } from "../decision/group-environments";
import { TAG } from "../model";
import type { ReaperRuntime } from "../runtime/reaper-runtime";

export interface ListCheckpointsRequest {
  readonly env: string;
}

/** One checkpoint of an environment, as `ephemera checkpoints` shows it. `null` means "not known", never "zero". */
export interface CheckpointEntry {
  /** Its label; `baseline` for the snapshot the environment was restored from; null for a label-less checkpoint. */
  readonly label: string | null;
  /** The snapshot's identifier (an ARN for a shared baseline). */
  readonly snapshot: string;
  /** When RDS took it (SnapshotCreateTime, ISO-8601), null when not known. */
  readonly createdAt: string | null;
  /** Its allocated storage in GiB, null when not known. */
  readonly sizeGiB: number | null;
  /** RDS's status (`available`, `creating`, …), or `unknown` when the baseline's could not be read. */
  readonly state: string;
  /** For a snapshot still `creating`: RDS's PercentProgress, when it reports one. */
  readonly percentProgress?: number;
  /**
   * USD a month its storage costs at the spend meter's price (its allocated size: an upper bound, as AWS bills
   * snapshot storage incrementally); null when unpriced, and for the baseline, which is not the environment's to pay.
   */
  readonly estimatedMonthlyUsd: number | null;
}

/** `ephemera checkpoints --json`: version 1 of this shape; fields are only ever added. */
export interface CheckpointListing {
  readonly version: 1;
  readonly env: string;
  /** Newest first, the baseline (when the environment has one) last. */
  readonly checkpoints: readonly CheckpointEntry[];
  /** Checkpoints counted against EPHEMERA_MAX_CHECKPOINTS (the baseline is not), and the limit. */
  readonly count: number;
  readonly maxCheckpoints: number;
}

export type ListCheckpointsResult =
  | ({ readonly ok: true } & CheckpointListing)
  | { readonly ok: false; readonly env: string; readonly code: "not-found" | "incomplete"; readonly message: string };

/**
 * `ephemera checkpoints <env>`: the environment's checkpoints, newest first, each with its
 * label, snapshot, time, size, state and monthly cost at the spend meter's price; and its
 * `baseline` checkpoint, read from its database's `ephemera:baseline` tag. Read-only.
 */
export async function listCheckpoints(runtime: ReaperRuntime, request: ListCheckpointsRequest): Promise<ListCheckpointsResult> {
  const { env } = request;
  const inventory = await runtime.discover([env]);
  const view = groupEnvironments(inventory, runtime.config.auditBucket).environments.find((e) => e.env === env);
  if (view === undefined) return { ok: false, env, code: "not-found", message: `no resources of environment ${env} were found; check the id (ephemera ls lists them)` };
  const failures = inventory.failures.filter((f) => f.kind === "rds-snapshot" && (f.env === undefined || f.env === env));
  if (failures.length > 0) return { ok: false, env, code: "incomplete", message: `the listing of checkpoints failed (${failures.map((f) => f.code ?? f.message).join("; ")}); try again` };

  const checkpoints = checkpointsOf(view.resources).reverse();
  const product: Product = { kind: "rds-snapshot", region: runtime.ctx.region };
  const price = (await runtime.priceList.quotes([product])).quotes.get(productKey(product));
  const entries = checkpoints.map((r) => entryOf(r, price?.usd));
  const baseline = await baselineEntry(runtime, view.resources);
  return { ok: true, version: 1, env, checkpoints: [...entries, ...(baseline === undefined ? [] : [baseline])], count: entries.length, maxCheckpoints: runtime.settings.maxCheckpoints };
}

function entryOf(r: DiscoveredResource, usdPerGbMonth: number | undefined): CheckpointEntry {
  const size = typeof r.facts?.allocatedStorageGb === "number" ? r.facts.allocatedStorageGb : null;
  const progress = r.facts?.percentProgress;
  return {
    label: r.tags[TAG.checkpoint] === "" || r.tags[TAG.checkpoint] === undefined ? null : r.tags[TAG.checkpoint]!,
    snapshot: r.id,
    createdAt: typeof r.facts?.createdAt === "string" ? r.facts.createdAt : null,
    sizeGiB: size,
    state: r.status ?? "unknown",
    ...(r.status === "creating" && typeof progress === "number" ? { percentProgress: progress } : {}),
    estimatedMonthlyUsd: size === null || usdPerGbMonth === undefined ? null : Math.round(size * usdPerGbMonth * 1e6) / 1e6,
  };
}

/** The baseline checkpoint: the snapshot the environment's database came from, read back when it can be. */
async function baselineEntry(runtime: ReaperRuntime, resources: readonly DiscoveredResource[]): Promise<CheckpointEntry | undefined> {
  const database = resources.find((r) => r.kind === "rds-instance" && r.tags[TAG.baseline] !== undefined);
  if (database === undefined) return undefined;
  const snapshot = database.tags[TAG.baseline]!;
  const unknown: CheckpointEntry = { label: BASELINE_LABEL, snapshot, createdAt: null, sizeGiB: null, state: "unknown", estimatedMonthlyUsd: null };
  try {
    const found = (await runtime.ctx.rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshot, IncludeShared: true }))).DBSnapshots?.[0];
    if (found === undefined) return unknown;
    return {
      ...unknown,
      createdAt: found.SnapshotCreateTime?.toISOString() ?? null,
      sizeGiB: found.AllocatedStorage ?? null,
      state: found.Status ?? "unknown",
      ...(found.Status === "creating" && found.PercentProgress !== undefined ? { percentProgress: found.PercentProgress } : {}),
    };
  } catch {
    // Gone, not ours to read, or any other failure: the entry stays, its state unknown.
    return unknown;
  }
}
