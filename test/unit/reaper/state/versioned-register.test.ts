import { versionKey } from "../../../../reaper/state/state-keys";
import { VersionedRegister } from "../../../../reaper/state/versioned-register";
import { MemoryStateStore } from "../../../support/reaper-fakes";

describe("VersionedRegister", () => {
  const parse = (body: unknown) => {
    if (typeof (body as { n?: unknown })?.n !== "number") throw new Error("not a thing");
    return body as { n: number };
  };
  const write = (store: MemoryStateStore, key: string, body: unknown) => store.put(key, JSON.stringify(body));

  test("reads the newest version, however many were written before it", async () => {
    const store = new MemoryStateStore();
    const register = new VersionedRegister(store, "things/", parse);
    expect((await register.read()).entry).toBeUndefined();
    for (let n = 1; n <= 12; n++) expect(await register.write(await register.read(), { n })).toBe(true);
    expect((await register.read()).entry).toEqual({ seq: 12, value: { n: 12 } });
    expect(await store.list("things/", { limit: 1 })).toEqual(["things/999999999987.json"]);
  });

  test("of two writers who read the same version, the second loses and must read again", async () => {
    const store = new MemoryStateStore();
    const register = new VersionedRegister(store, "things/", parse);
    const read = await register.read();
    expect(await register.write(read, { n: 1 })).toBe(true);
    expect(await register.write(read, { n: 2 })).toBe(false);
    expect((await register.read()).entry).toEqual({ seq: 1, value: { n: 1 } });
  });

  test("a version whose body names another version is passed over and named, and the register keeps working", async () => {
    const store = new MemoryStateStore();
    const register = new VersionedRegister(store, "things/", parse);
    await register.write(await register.read(), { n: 1 });
    await write(store, versionKey("things/", 2), { v: 1, seq: 7, value: { n: 2 } });
    const read = await register.read();
    expect(read.entry).toEqual({ seq: 1, value: { n: 1 } });
    expect(read.skipped).toEqual(["things/999999999997.json: it holds version 7, not 2; ignored"]);
    // The next write steps over the bad version instead of being jammed by it.
    expect(read.next).toBe(3);
    expect(await register.write(read, { n: 3 })).toBe(true);
    expect((await register.read()).entry).toEqual({ seq: 3, value: { n: 3 } });
  });

  test("a version written far ahead (the last possible one) follows no version and never blocks the next write", async () => {
    const store = new MemoryStateStore();
    const register = new VersionedRegister(store, "things/", parse);
    await register.write(await register.read(), { n: 1 });
    await write(store, "things/000000000000.json", { v: 1, seq: 999_999_999_999, value: { n: 666 } });
    await write(store, "things/0.json", "junk");
    const read = await register.read();
    expect(read.entry).toEqual({ seq: 1, value: { n: 1 } });
    expect(read.skipped).toEqual([
      "things/0.json: not a version key (things/<12 digits>.json)",
      "things/000000000000.json: version 999999999999 follows no version 999999999998; ignored",
    ]);
    expect(await register.write(read, { n: 2 })).toBe(true);
    expect((await register.read()).entry?.value).toEqual({ n: 2 });
  });

  test("reading the newest costs one listing and one read with 10 or 10,000 versions behind it", async () => {
    for (const versions of [10, 10_000]) {
      const store = new MemoryStateStore();
      for (let seq = 1; seq <= versions; seq++) await write(store, versionKey("things/", seq), { v: 1, seq, value: { n: seq } });
      const register = new VersionedRegister(store, "things/", parse);
      store.requests.list = store.requests.get = store.requests.put = 0;
      expect((await register.read()).entry?.seq).toBe(versions);
      expect(store.requests).toEqual({ list: 1, get: 1, put: 0 });
    }
  });

  test("a store that fails on write is an error, not a lost race", async () => {
    const store = new MemoryStateStore();
    store.failWhen = () => true;
    await expect(new VersionedRegister(store, "things/", parse).write({ next: 1 }, { n: 1 })).rejects.toThrow("unavailable");
  });
});
