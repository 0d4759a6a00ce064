import { keyTakenError, putIfAbsent } from "../state/put-if-absent";
import { instantCountdown, spendReadingKey } from "../state/state-keys";
import type { StateStore } from "../state/state-store";
import { SPEND_PREFIX } from "../model";
import { describeError } from "../support/outcomes";
import type { EnvReading, SpendReadings } from "./price-usage";

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
export async function loadSpendReadings(store: StateStore, at: Date): Promise<LoadedReadings> {
  const skipped: string[] = [];
  try {
    const keys = await store.list(SPEND_PREFIX, { startAfter: instantCountdown(SPEND_PREFIX, at), limit: CANDIDATES });
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
export async function storeSpendReadings(store: StateStore, readings: SpendReadings, runId: string): Promise<void> {
  const key = spendReadingKey(new Date(readings.at), runId);
  const written = await putIfAbsent(store, key, JSON.stringify(readings));
  if (written.status === "taken") throw keyTakenError(key, "this run already kept other readings");
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
