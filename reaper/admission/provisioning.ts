import type { StateStore } from "../state/state-store";
import { type RegisterEntry, VersionedRegister } from "../state/versioned-register";
import { PROVISIONING_PREFIX } from "../model";

/**
 * Who paused or resumed provisioning:
 * - `budget-alert`: the platform budget's alert (over SNS, to the reaper's handler);
 * - `spend-meter`: a sweep found the live environments' estimates at the platform budget, or back under it;
 * - `operator`: `ephemera provisioning pause|resume`.
 */
export type ProvisioningSource = "budget-alert" | "spend-meter" | "operator";

/** One change of the provisioning switch, as the register keeps it. */
export interface ProvisioningChange {
  readonly paused: boolean;
  readonly source: ProvisioningSource;
  readonly reason: string;
  /** The caller's ARN, or `reaper`. */
  readonly by: string;
  /** ISO-8601 UTC. */
  readonly at: string;
}

/** Whether `admit` admits new environments now, and why. */
export interface ProvisioningStatus {
  readonly paused: boolean;
  /** The change in force; undefined when provisioning was never paused. */
  readonly change?: ProvisioningChange;
  /** A budget alert's pause from an earlier month: AWS Budgets starts each month at zero, so it no longer holds. */
  readonly lapsed: boolean;
}

const SOURCES: readonly ProvisioningSource[] = ["budget-alert", "spend-meter", "operator"];

/** The provisioning switch: a versioned register under `provisioning/` in the audit bucket. */
export function provisioningRegister(store: StateStore): VersionedRegister<ProvisioningChange> {
  return new VersionedRegister(store, PROVISIONING_PREFIX, parseChange);
}

/**
 * What a change means at `now`. A pause holds until it is resumed, except a budget alert's,
 * which lapses when the month turns: the platform budget is monthly, and its alert fires
 * again if next month's spend crosses the threshold too.
 */
export function provisioningStatus(entry: RegisterEntry<ProvisioningChange> | undefined, now: Date): ProvisioningStatus {
  if (entry === undefined) return { paused: false, lapsed: false };
  const change = entry.value;
  const lapsed = change.paused && change.source === "budget-alert" && monthOf(new Date(change.at)) !== monthOf(now);
  return { paused: change.paused && !lapsed, change, lapsed };
}

function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

function parseChange(body: unknown): ProvisioningChange {
  const b = body as Partial<Record<keyof ProvisioningChange, unknown>> | null;
  if (
    b === null ||
    typeof b !== "object" ||
    typeof b.paused !== "boolean" ||
    !SOURCES.includes(b.source as ProvisioningSource) ||
    typeof b.reason !== "string" ||
    typeof b.by !== "string" ||
    typeof b.at !== "string" ||
    Number.isNaN(Date.parse(b.at))
  ) {
    throw new Error(`a provisioning record is malformed: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return { paused: b.paused, source: b.source as ProvisioningSource, reason: b.reason, by: b.by, at: b.at };
}
