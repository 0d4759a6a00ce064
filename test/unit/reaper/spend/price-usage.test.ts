import { hoursBetween, meter, type MeterInput, type PriceSheet, spotKey } from "../../../../reaper/spend/price-usage";
import type { MeteredUsage } from "../../../../reaper/contracts/metered-usage";
import { productKey } from "../../../../reaper/contracts/product";

const T0 = Date.parse("2026-05-01T00:00:00Z");
const at = (hours: number) => new Date(T0 + hours * 3_600_000);
const iso = (hours: number) => at(hours).toISOString();
const TAGS = { "ephemera:managed-by": "ephemera", "ephemera:env": "pr-1" };

const M5 = { kind: "ec2" as const, region: "us-east-1", instanceType: "m5.large" };
const DB = { kind: "rds" as const, region: "us-east-1", engine: "postgres", instanceClass: "db.t4g.micro", multiAz: false };
const GP3 = { kind: "rds-storage" as const, region: "us-east-1", storageType: "gp3", multiAz: false };
const PRICES: PriceSheet = {
  onDemand: {
    [productKey(M5)]: { usd: 0.1, source: "table" },
    [productKey(DB)]: { usd: 0.02, source: "table" },
    [productKey(GP3)]: { usd: 0.073, source: "table" }, // 20 GB = $1.46/month = $0.002/h
  },
  spot: { [spotKey("m5.large", "us-east-1a")]: { usd: 0.04, source: "spot" } },
};

function instance(id: string, over: Partial<MeteredUsage> = {}): MeteredUsage {
  return { kind: "ec2-instance", id, region: "us-east-1", tags: TAGS, status: "running", charging: true, runStart: iso(0), compute: M5, ...over };
}

function database(id: string, over: Partial<MeteredUsage> = {}): MeteredUsage {
  return {
    kind: "rds-instance",
    id,
    region: "us-east-1",
    tags: TAGS,
    status: "available",
    charging: true,
    runStart: iso(0),
    compute: DB,
    storage: { gb: 20, product: GP3, since: iso(0) },
    ...over,
  };
}

function run(usage: MeteredUsage[], hours: number, over: Partial<MeterInput> = {}) {
  return meter({ usage, prices: PRICES, at: at(hours), incomplete: new Set(), present: new Set(["pr-1"]), ...over });
}

describe("the spend meter's arithmetic", () => {
  test("an on-demand instance costs its hours since launch times its price; the burn is its price", () => {
    const { spend } = run([instance("i-1")], 10);
    expect(spend["pr-1"]!.usd).toBeCloseTo(1.0, 10);
    expect(spend["pr-1"]!.burnUsdPerHour).toBeCloseTo(0.1, 10);
    expect(spend["pr-1"]).toMatchObject({ unpriced: [], metered: 1, complete: true, at: iso(10) });
  });

  test("a spot instance is priced at the Spot price of its type in its zone, not on-demand", () => {
    const { spend } = run([instance("i-spot", { spotZone: "us-east-1a" })], 10);
    expect(spend["pr-1"]!.usd).toBeCloseTo(0.4, 10);
    expect(spend["pr-1"]!.burnUsdPerHour).toBeCloseTo(0.04, 10);
  });

  test("a database costs its class per hour plus its allocated storage, and storage bills while it is stopped", () => {
    const running = run([database("db-1")], 730);
    expect(running.spend["pr-1"]!.usd).toBeCloseTo(730 * 0.02 + 20 * 0.073, 8);
    expect(running.spend["pr-1"]!.burnUsdPerHour).toBeCloseTo(0.02 + (20 * 0.073) / 730, 10);
    const stopped = run([database("db-1", { status: "stopped", charging: false })], 730);
    expect(stopped.spend["pr-1"]!.usd).toBeCloseTo(20 * 0.073, 8);
    expect(stopped.spend["pr-1"]!.burnUsdPerHour).toBeCloseTo((20 * 0.073) / 730, 10);
  });

  test("stopped time is not charged: a stopped instance's run ends when it stopped", () => {
    const stopped = instance("i-1", { status: "stopped", charging: false, runEnd: iso(3) });
    expect(run([stopped], 10).spend["pr-1"]!.usd).toBeCloseTo(0.3, 10);
    expect(run([stopped], 10).spend["pr-1"]!.burnUsdPerHour).toBe(0);
  });

  test("a stopped instance whose stop time AWS did not give adds nothing: never a guess upwards", () => {
    const stopped = instance("i-1", { status: "stopped", charging: false });
    expect(run([stopped], 10).spend["pr-1"]!.usd).toBe(0);
  });

  test("an instance replaced between sweeps keeps its cost in the total: the reading remembers it", () => {
    // Sweep 1 at 2 h: i-old has run 2 h.
    const first = run([instance("i-old")], 2);
    expect(first.spend["pr-1"]!.usd).toBeCloseTo(0.2, 10);
    // Sweep 2 at 4 h: i-old terminated at 3 h (still listed, terminated), i-new launched at 3 h.
    const second = run([instance("i-old", { status: "terminated", charging: false, runEnd: iso(3) }), instance("i-new", { runStart: iso(3) })], 4, { previous: first.readings });
    expect(second.spend["pr-1"]!.usd).toBeCloseTo(0.2 + 0.1 + 0.1, 10);
    // Sweep 3 at 6 h: AWS no longer lists i-old at all; its 3 h stay counted.
    const third = run([instance("i-new", { runStart: iso(3) })], 6, { previous: second.readings });
    expect(third.spend["pr-1"]!.usd).toBeCloseTo(0.3 + 0.3, 10);
  });

  test("a scaled-in instance that vanished between two sweeps keeps what the first sweep counted", () => {
    const first = run([instance("i-1"), instance("i-2")], 1);
    const second = run([instance("i-1")], 2, { previous: first.readings });
    expect(second.spend["pr-1"]!.usd).toBeCloseTo(0.2 + 0.1, 10);
  });

  test("a database restarted after a stop is charged only from the reading on, not for its stopped time", () => {
    const first = run([database("db-1", { status: "stopped", charging: false, storage: undefined })], 100);
    expect(first.spend["pr-1"]!.usd).toBe(0);
    const second = run([database("db-1", { storage: undefined })], 101, { previous: first.readings });
    expect(second.spend["pr-1"]!.usd).toBeCloseTo(0.02, 10);
  });

  test("an unknown price makes the estimate unknown for that resource and says so; the figure is never zero", () => {
    const odd = instance("i-odd", { compute: { kind: "ec2", region: "us-east-1", instanceType: "x9.huge" } });
    const { spend, readings } = run([odd, instance("i-1")], 10);
    expect(spend["pr-1"]!.unpriced).toEqual(["ec2-instance i-odd (ec2 us-east-1 x9.huge)"]);
    expect(spend["pr-1"]!.usd).toBeCloseTo(1.0, 10); // the known part, a lower bound
    expect(readings.envs["pr-1"]!.unpriced).toEqual(["ec2-instance i-odd"]);
    const alone = run([odd], 10).spend["pr-1"]!;
    expect(alone.unpriced).toHaveLength(1);
    expect(alone.usd).toBe(0); // known part; the estimate itself is reported unknown, not $0
  });

  test("a part priced later is counted from its own start, not only from the reading", () => {
    const odd = instance("i-odd", { compute: { kind: "ec2", region: "us-east-1", instanceType: "x9.huge" } });
    const first = run([odd], 10);
    const priced: PriceSheet = { ...PRICES, onDemand: { ...PRICES.onDemand, [productKey(odd.compute!)]: { usd: 1, source: "price-list" } } };
    const second = run([odd], 11, { previous: first.readings, prices: priced });
    expect(second.spend["pr-1"]!.usd).toBeCloseTo(11, 10);
    expect(second.spend["pr-1"]!.unpriced).toEqual([]);
  });

  test("a spot instance without a Spot price for its zone is unpriced, not priced on-demand", () => {
    const { spend } = run([instance("i-spot", { spotZone: "eu-west-1b" })], 10);
    expect(spend["pr-1"]!.unpriced).toEqual(["ec2-instance i-spot (spot m5.large eu-west-1b)"]);
  });

  test("an environment a listing may hide resources of keeps its last reading as it was", () => {
    const first = run([instance("i-1")], 2);
    const second = run([], 4, { previous: first.readings, incomplete: "all" });
    expect(second.spend["pr-1"]).toMatchObject({ complete: false });
    expect(second.readings.envs["pr-1"]).toEqual(first.readings.envs["pr-1"]);
    // The next complete sweep counts the whole time since that reading.
    const third = run([instance("i-1")], 6, { previous: second.readings });
    expect(third.spend["pr-1"]!.usd).toBeCloseTo(0.6, 10);
  });

  test("environments this sweep did not look at keep their readings; one gone entirely is dropped", () => {
    const first = run([instance("i-1"), instance("i-2", { tags: { ...TAGS, "ephemera:env": "pr-2" } })], 2, { present: new Set(["pr-1", "pr-2"]) });
    const partial = run([], 3, { previous: first.readings, present: new Set(), lookedAt: new Set(["pr-1"]) });
    expect(Object.keys(partial.readings.envs)).toEqual(["pr-2"]);
    expect(partial.readings.envs["pr-2"]).toEqual(first.readings.envs["pr-2"]);
  });

  test("a reading written for a later instant (a simulated --now) is not gone on from", () => {
    const later = run([instance("i-1")], 100);
    expect(run([instance("i-1")], 10, { previous: later.readings }).spend["pr-1"]!.usd).toBeCloseTo(1.0, 10);
  });

  test("resources without the managed-by tag or a valid env id are not metered", () => {
    const unmanaged = instance("i-x", { tags: { "ephemera:env": "pr-1" } });
    const invalid = instance("i-y", { tags: { ...TAGS, "ephemera:env": "Not An Env" } });
    const { spend } = run([unmanaged, invalid], 10, { present: new Set() });
    expect(spend).toEqual({});
  });

  test("hoursBetween clips the run to the window after the reading and up to the instant", () => {
    const h = 3_600_000;
    expect(hoursBetween(0, 10 * h, undefined, 5 * h)).toBe(5);
    expect(hoursBetween(0, 10 * h, 8 * h, 20 * h)).toBe(2);
    expect(hoursBetween(0, 2 * h, 3 * h, 5 * h)).toBe(0);
    expect(hoursBetween(0, undefined, undefined, 5 * h)).toBe(0);
  });
});
