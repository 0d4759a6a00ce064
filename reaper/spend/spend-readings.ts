import type { AuditStore } from "../audit/audit-store";
import { SPEND_PREFIX } from "../model";
import { describeError } from "../support/outcomes";
import type { EnvReading, SpendReadings } from "./meter";

/** The largest epoch millisecond a key can hold (year 2286); keys count down from it, so the newest lists first. */
const LAST_MS = 9_999_999_999_999;

/**
 * `spend/<countdown>-<run-id>.json`: the countdown is `LAST_MS` minus the reading's instant,
 * zero-padded, so a plain listing returns the newest reading first, and one listing from an
 * instant onwards finds the newest reading at or before it. Written once, like every
 * object in the audit bucket; each run writes its own key.
 */
export function spendReadingKey(at: Date, runId: string): string {
  return `${countdownPrefix(at)}-${runId}.json`;
}

function countdownPrefix(at: Date): string {
  return `${SPEND_PREFIX}${String(LAST_MS - at.getTime()).padStart(13, "0")}`;
}

export type LoadedReadings =
  /** `readings` is undefined when none was ever kept (a new account, or none before `at`). */
  | { readonly ok: true; readonly readings?: SpendReadings; readonly skipped: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/** Readings a run may not have kept: the newest few are tried, so one unreadable object does not lose the totals. */
const CANDIDATES = 3;

/**
 * The newest readings at or before `at` (a simulated `--now` ignores readings written
 * for a later instant). A listing or read that fails is a failure: the caller then must
 * not write readings, or totals would be lost. An object that is not a reading is
 * skipped and named.
 */
export async function loadSpendReadings(store: AuditStore, at: Date): Promise<LoadedReadings> {
  const skipped: string[] = [];
  try {
    const keys = await store.list(SPEND_PREFIX, { startAfter: countdownPrefix(at), limit: CANDIDATES });
    for (const key of keys) {
      const readings = parseSpendReadings(await store.get(key));
      if (readings !== undefined && Date.parse(readings.at) <= at.getTime()) return { ok: true, readings, skipped };
      skipped.push(key);
    }
    return { ok: true, skipped };
  } catch (err) {
    return { ok: false, problem: `the spend readings could not be read (${describeError(err)})` };
  }
}

/** Keeps a run's readings for the next run. */
export async function storeSpendReadings(store: AuditStore, readings: SpendReadings, runId: string): Promise<void> {
  await store.put(spendReadingKey(new Date(readings.at), runId), JSON.stringify(readings), { exclusive: true });
}

/** A readings document, or undefined for anything else. */
export function parseSpendReadings(body: string): SpendReadings | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(value) || value.version !== 1 || !isInstant(value.at) || !isObject(value.envs)) return undefined;
  const envs: Record<string, EnvReading> = {};
  for (const [env, reading] of Object.entries(value.envs)) {
    if (!isObject(reading) || !isInstant(reading.at) || typeof reading.usd !== "number" || !Number.isFinite(reading.usd) || reading.usd < 0) return undefined;
    const unpriced = reading.unpriced;
    if (unpriced !== undefined && !(Array.isArray(unpriced) && unpriced.every((u) => typeof u === "string"))) return undefined;
    envs[env] = { at: reading.at, usd: reading.usd, ...(unpriced === undefined ? {} : { unpriced: unpriced as string[] }) };
  }
  return { version: 1, at: value.at, envs };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInstant(value: unknown): value is string {
  return typeof value === "string" && Number.isFinite(Date.parse(value));
}
