import { WriteOnceRegister } from "../../../../reaper/audit/write-once-register";
import { MemoryAuditStore } from "../../../support/reaper-fakes";

describe("WriteOnceRegister", () => {
  const parse = (body: unknown) => body as { n: number };

  test("reads the newest version, however many were written before it", async () => {
    const store = new MemoryAuditStore();
    const register = new WriteOnceRegister(store, "things/", parse);
    expect(await register.read()).toBeUndefined();
    let entry = await register.read();
    for (let n = 1; n <= 12; n++) {
      expect(await register.write(entry, { n })).toBe(true);
      entry = await register.read();
    }
    expect(entry).toEqual({ seq: 12, value: { n: 12 } });
    expect(await store.list("things/", { limit: 1 })).toEqual(["things/999999999987.json"]);
  });

  test("of two writers who read the same version, the second loses and must read again", async () => {
    const store = new MemoryAuditStore();
    const register = new WriteOnceRegister(store, "things/", parse);
    const read = await register.read();
    expect(await register.write(read, { n: 1 })).toBe(true);
    expect(await register.write(read, { n: 2 })).toBe(false);
    expect(await register.read()).toEqual({ seq: 1, value: { n: 1 } });
  });

  test("a body that does not hold the version its key names is an error, never a value", async () => {
    const store = new MemoryAuditStore();
    await store.put("things/999999999998.json", JSON.stringify({ v: 1, seq: 7, value: { n: 1 } }));
    await expect(new WriteOnceRegister(store, "things/", parse).read()).rejects.toThrow("holds version 7, not 1");
  });

  test("a store that fails on write is an error, not a lost race", async () => {
    const store = new MemoryAuditStore();
    store.failWhen = () => true;
    await expect(new WriteOnceRegister(store, "things/", parse).write(undefined, { n: 1 })).rejects.toThrow("unavailable");
  });
});
