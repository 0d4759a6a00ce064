import { loadSpendReadings, parseSpendReadings, storeSpendReadings } from "../../../../reaper/spend/spend-readings";
import { spendReadingKey } from "../../../../reaper/state/state-keys";
import type { SpendReadings } from "../../../../reaper/spend/price-usage";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const reading = (at: string, usd: number): SpendReadings => ({ version: 1, at, envs: { "pr-1": { at, usd } } });

describe("spend readings in the audit bucket", () => {
  test("keys count down, so the newest reading lists first", () => {
    const early = spendReadingKey(new Date("2026-05-01T00:00:00Z"), "run-a");
    const late = spendReadingKey(new Date("2026-05-01T00:05:00Z"), "run-b");
    expect(early).toMatch(/^spend\/\d{13}-run-a\.json$/);
    expect(late < early).toBe(true);
  });

  test("the newest reading at or before the instant is loaded; a later one (a simulated --now) is passed over", async () => {
    const store = new MemoryStateStore();
    await storeSpendReadings(store, reading("2026-05-01T00:00:00.000Z", 1), "run-a");
    await storeSpendReadings(store, reading("2026-05-01T00:05:00.000Z", 2), "run-b");
    await storeSpendReadings(store, reading("2026-05-03T00:00:00.000Z", 99), "run-c");
    const loaded = await loadSpendReadings(store, new Date("2026-05-01T00:07:00Z"));
    expect(loaded).toEqual({ ok: true, readings: reading("2026-05-01T00:05:00.000Z", 2), skipped: [] });
    expect(await loadSpendReadings(store, new Date("2026-04-30T00:00:00Z"))).toEqual({ ok: true, skipped: [] });
  });

  test("readings are written once, each run under its own key", async () => {
    const store = new MemoryStateStore();
    await storeSpendReadings(store, reading("2026-05-01T00:00:00.000Z", 1), "run-a");
    await expect(storeSpendReadings(store, reading("2026-05-01T00:00:00.000Z", 5), "run-a")).rejects.toMatchObject({ name: "PreconditionFailed" });
  });

  test("an object that is not a reading is skipped and named; the one before it is used", async () => {
    const store = new MemoryStateStore();
    await storeSpendReadings(store, reading("2026-05-01T00:00:00.000Z", 1), "run-a");
    const bad = spendReadingKey(new Date("2026-05-01T00:05:00Z"), "run-b");
    await store.put(bad, JSON.stringify({ version: 1, at: "2026-05-01T00:05:00Z", envs: { "pr-1": { at: "2026-05-01T00:05:00Z", usd: -3 } } }));
    const loaded = await loadSpendReadings(store, new Date("2026-05-01T00:10:00Z"));
    expect(loaded).toEqual({ ok: true, readings: reading("2026-05-01T00:00:00.000Z", 1), skipped: [bad] });
  });

  test("a bucket that cannot be read is a failure the caller must not write over", async () => {
    const store = new MemoryStateStore();
    store.list = async () => {
      throw Object.assign(new Error("slow down"), { name: "SlowDown" });
    };
    const loaded = await loadSpendReadings(store, new Date("2026-05-01T00:10:00Z"));
    expect(loaded).toEqual({ ok: false, problem: "the spend readings could not be read (SlowDown: slow down)" });
  });

  test("parsing refuses anything but a version-1 document of non-negative figures", () => {
    expect(parseSpendReadings("not json")).toBeUndefined();
    expect(parseSpendReadings(JSON.stringify({ version: 2, at: "2026-05-01T00:00:00Z", envs: {} }))).toBeUndefined();
    expect(parseSpendReadings(JSON.stringify({ version: 1, at: "2026-05-01T00:00:00Z", envs: { a: { at: "x", usd: 1 } } }))).toBeUndefined();
    expect(parseSpendReadings(JSON.stringify({ version: 1, at: "2026-05-01T00:00:00Z", envs: { a: { at: "2026-05-01T00:00:00Z", usd: 1, unpriced: [3] } } }))).toBeUndefined();
    expect(parseSpendReadings(JSON.stringify(reading("2026-05-01T00:00:00.000Z", 1)))).toEqual(reading("2026-05-01T00:00:00.000Z", 1));
  });
});
