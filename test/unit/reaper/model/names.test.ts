import { tryParsePoolName } from "../../../../reaper/model";

describe("pool names", () => {
  test("an environment id's characters, at most 20 long, for the construct and the reaper alike", () => {
    expect(tryParsePoolName("default")).toEqual({ ok: true, value: "default" });
    const long = tryParsePoolName("a-very-long-pool-name", { field: "name" });
    expect(long.ok).toBe(false);
    expect(!long.ok && long.error.message).toBe('name "a-very-long-pool-name" is longer than 20 characters; use a short name, such as "default"');
    expect(tryParsePoolName("Default").ok).toBe(false);
  });
});
