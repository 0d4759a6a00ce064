import { provisioningStatus, type ProvisioningChange } from "../../../../reaper/admission/provisioning";

const change = (over: Partial<ProvisioningChange> = {}): ProvisioningChange => ({ paused: true, source: "budget-alert", reason: "alerted", by: "reaper", at: "2026-05-20T10:00:00.000Z", ...over });

describe("provisioningStatus", () => {
  test("never paused: open", () => {
    expect(provisioningStatus(undefined, new Date("2026-05-21T00:00:00Z"))).toEqual({ paused: false, lapsed: false });
  });

  test("a budget alert's pause holds for the rest of its month, then lapses with it", () => {
    const entry = { seq: 3, value: change() };
    expect(provisioningStatus(entry, new Date("2026-05-31T23:59:59Z"))).toMatchObject({ paused: true, lapsed: false });
    expect(provisioningStatus(entry, new Date("2026-06-01T00:00:00Z"))).toMatchObject({ paused: false, lapsed: true });
  });

  test("an operator's or the meter's pause holds until it is resumed", () => {
    for (const source of ["operator", "spend-meter"] as const) {
      expect(provisioningStatus({ seq: 1, value: change({ source }) }, new Date("2026-09-01T00:00:00Z"))).toMatchObject({ paused: true, lapsed: false });
    }
    expect(provisioningStatus({ seq: 2, value: change({ paused: false, source: "operator" }) }, new Date("2026-05-21T00:00:00Z"))).toMatchObject({ paused: false });
  });
});
