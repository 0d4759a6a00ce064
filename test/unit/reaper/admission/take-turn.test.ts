import { takeTurn, type Turn, type TurnContext } from "../../../../reaper/admission/take-turn";
import { heldAt, reservationRegister } from "../../../../reaper/admission/reservations";
import type { StateStore } from "../../../../reaper/state/state-store";
import { admissionRequestKey } from "../../../../reaper/state/state-keys";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const HOUR = 3_600_000;
const limits = { maxEnvironments: 20, maxEnvironmentsPerOwner: 3, maxBudgetUsd: 100, offeredIsolation: ["none"] as const, holdMs: HOUR, indexMaxAgeMs: 600_000, maxTtlMs: 24 * HOUR };

/** Every request answers after a random few milliseconds, so concurrent admits interleave as they do against S3. */
function slow(store: MemoryStateStore): StateStore {
  const wait = () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 4));
  return {
    put: async (k, b, o) => (await wait(), store.put(k, b, o)),
    list: async (p, o) => (await wait(), store.list(p, o)),
    scan: async (p, o) => (await wait(), store.scan(p, o)),
    get: async (k) => (await wait(), store.get(k)),
  };
}

function context(store: StateStore, i: number, owner = `owner-${i}`): TurnContext {
  return {
    store,
    request: { env: `pr-${i}`, owner, ttlMs: HOUR, by: `arn:aws:iam::123456789012:role/agent-${i}` },
    limits: limits as TurnContext["limits"],
    live: [],
    provisioningAt: () => ({ paused: false }) as ReturnType<TurnContext["provisioningAt"]>,
    countedFrom: { source: "index", runId: "run-1", ageSeconds: 1 },
    maxClockSkewMs: 60_000,
    clock: () => new Date(),
  };
}

const admitted = (t: Turn) => "decided" in t && t.decided.verdict.verdict === "admitted";

describe("the admission queue", () => {
  test("forty admits at once for twenty places: every admit is answered, exactly twenty are admitted, and the register holds exactly theirs", async () => {
    const memory = new MemoryStateStore(() => new Date());
    const store = slow(memory);
    const turns = await Promise.all(Array.from({ length: 40 }, (_, i) => takeTurn(context(store, i))));
    expect(turns.every((t) => "decided" in t)).toBe(true);
    const winners = turns.flatMap((t, i) => (admitted(t) ? [`pr-${i}`] : []));
    expect(winners).toHaveLength(20);
    const refusals = turns.filter((t) => "decided" in t && t.decided.verdict.verdict === "refused");
    expect(refusals.map((t) => ("decided" in t && t.decided.verdict.verdict === "refused" ? t.decided.verdict.limit : undefined))).toEqual(Array(20).fill("max-environments"));
    const read = await reservationRegister(memory).read();
    expect(heldAt(read.entry?.value, new Date()).map((r) => r.env).sort()).toEqual(winners.sort());
    // Losers waited their turn rather than racing: far fewer versions than admits.
    expect(read.entry!.seq).toBeLessThan(15);
  });

  test("an admit alone writes no request; one that lost the race writes its request once, and is decided in the order of the queue", async () => {
    const memory = new MemoryStateStore(() => new Date());
    await takeTurn(context(memory, 0));
    expect(await memory.list("admission-requests/")).toEqual([]);
    const turns = await Promise.all(Array.from({ length: 5 }, (_, i) => takeTurn(context(slow(memory), i + 1, "shared-owner"))));
    // Per-owner cap of 3: exactly three of the five get in.
    expect(turns.filter(admitted)).toHaveLength(3);
    const requests = await memory.list("admission-requests/");
    expect(requests.length).toBeLessThanOrEqual(4);
    expect(new Set(requests).size).toBe(requests.length);
  });

  test("when the oldest waiting request's admit has died, the next in the queue decides for everyone, the dead request included", async () => {
    const memory = new MemoryStateStore(() => new Date());
    const ghost = { id: "0b6f3d2e-8c1a-4f5e-9d7b-2a4c6e8f0a1b", env: "pr-ghost", owner: "ghost", ttlMs: HOUR, by: "arn:aws:iam::123456789012:role/ghost" };
    await memory.put(admissionRequestKey(new Date(Date.now() - 1000), ghost.id), JSON.stringify({ v: 1, ...ghost }), { exclusive: true });
    const started = Date.now();
    const turns = await Promise.all(Array.from({ length: 6 }, (_, i) => takeTurn(context(slow(memory), i))));
    expect(turns.every((t) => "decided" in t && t.decided.verdict.verdict === "admitted")).toBe(true);
    // Some of them waited out the dead admit's turn before one took over.
    expect(Date.now() - started).toBeGreaterThan(3_000);
    const read = await reservationRegister(memory).read();
    expect(read.entry!.value.decided!.map((d) => d.id)).toContain(ghost.id);
    expect(heldAt(read.entry!.value, new Date()).map((r) => r.env).sort()).toEqual(["pr-0", "pr-1", "pr-2", "pr-3", "pr-4", "pr-5", "pr-ghost"].sort());
  }, 30_000);
});
