import { compareAndSet } from "../../../../reaper/state/compare-and-set";
import { VersionedRegister } from "../../../../reaper/state/versioned-register";
import { MemoryStateStore } from "../../../support/reaper-fakes";

const parse = (body: unknown) => body as { n: number };

describe("compareAndSet", () => {
  test("a writer that loses a race backs off, with jitter, and decides again on what is there now", async () => {
    const store = new MemoryStateStore();
    const register = new VersionedRegister(store, "count/", parse);
    const waits: number[] = [];
    let rival = 2; // another writer lands a version just before each of this writer's first two writes
    const result = await compareAndSet(
      register,
      async (read) => {
        const n = read.entry?.value.n ?? 0;
        if (rival-- > 0) await register.write(read, { n: n + 100 });
        return { write: { n: n + 1 }, then: n + 1 };
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    // Decided three times; the third decision counted both rivals' writes.
    expect(result).toEqual({ ok: true, result: 201 });
    expect((await register.read()).entry).toMatchObject({ seq: 3, value: { n: 201 } });
    // Full jitter on an exponential base: half of 25 ms, then half of 50 ms.
    expect(waits).toEqual([12, 25]);
  });

  test("the waits double up to the cap, and the loop gives up after its attempts with ok false", async () => {
    const store = new MemoryStateStore();
    const register = new VersionedRegister(store, "count/", parse);
    const waits: number[] = [];
    const result = await compareAndSet(
      register,
      async (read) => {
        await register.write(read, { n: 0 }); // always beaten to it
        return { write: { n: 1 }, then: "never" };
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.999 },
    );
    expect(result).toEqual({ ok: false, attempts: 8 });
    expect(waits).toEqual([24, 49, 99, 199, 399, 799, 999]);
  });

  test("a decision to stop writes nothing", async () => {
    const store = new MemoryStateStore();
    const result = await compareAndSet(new VersionedRegister(store, "count/", parse), () => ({ done: "unchanged" }));
    expect(result).toEqual({ ok: true, result: "unchanged" });
    expect(store.puts).toEqual([]);
  });
});
