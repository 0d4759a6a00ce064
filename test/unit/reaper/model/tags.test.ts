import {
  DEFAULT_ON_EXPIRY,
  ENV_STATES,
  isManagedByEphemera,
  isProtected,
  MANAGED_BY_VALUE,
  ON_EXPIRY_VALUES,
  RUNTIME_TAG_KEYS,
  TAG,
} from "../../../../reaper/model";

describe("tags", () => {
  test("every tag key of the schema is under the ephemera: prefix", () => {
    expect(Object.values(TAG).sort()).toEqual(
      [
        "managed-by", "env", "owner", "ttl", "created-at", "expires-at", "extended-until",
        "on-expiry", "budget-usd", "protect", "state", "paused-size", "budget-warned", "pool", "baseline",
        "checkpoint", "restored-from",
      ].map((name) => `ephemera:${name}`).sort(),
    );
  });

  test("the expiry actions are delete, snapshot-delete and pause, with delete the default", () => {
    expect(ON_EXPIRY_VALUES).toEqual(["delete", "snapshot-delete", "pause"]);
    expect(DEFAULT_ON_EXPIRY).toBe("delete");
  });

  test("the states include expiring for the warning window", () => {
    expect(ENV_STATES).toEqual(["active", "expiring", "paused", "reaping"]);
  });

  test("Terraform is told to leave alone exactly the keys written after creation", () => {
    const expected = [TAG.createdAt, TAG.extendedUntil, TAG.pausedSize, TAG.state, TAG.budgetWarned];
    expect([...RUNTIME_TAG_KEYS].sort()).toEqual(expected.sort());
  });

  test("a resource tagged managed-by ephemera is Ephemera's", () => {
    expect(MANAGED_BY_VALUE).toBe("ephemera");
    expect(isManagedByEphemera({ [TAG.managedBy]: "ephemera" })).toBe(true);
  });

  const notOurs: Record<string, string>[] = [
    {},
    { [TAG.managedBy]: "Ephemera" },
    { [TAG.managedBy]: "" },
    { [TAG.env]: "pr-1" },
  ];
  test.each(notOurs)(
    "a resource tagged %j is not Ephemera's",
    (tags) => {
      expect(isManagedByEphemera(tags)).toBe(false);
    },
  );

  test.each(["true", "TRUE", "yes", "1", ""])("protect %j protects, erring towards keeping", (value) => {
    expect(isProtected({ [TAG.protect]: value })).toBe(true);
  });

  const unprotected: Record<string, string>[] = [{ [TAG.protect]: "false" }, { [TAG.protect]: " False " }, {}];
  test.each(unprotected)("%j does not protect", (tags) => {
    expect(isProtected(tags)).toBe(false);
  });
});
