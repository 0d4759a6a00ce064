import { TAG } from "../../../../reaper/model";
import { planExtend } from "../../../../reaper/decision/plan-extend";
import { environment, envTags, HOUR, inventory, NOW, resource } from "../../../support/reaper-fixtures";

const MAX_TTL = 14 * 24 * HOUR;
const options = (by: number) => ({ now: NOW, by, maxTtlMs: MAX_TTL });

describe("planning an extension (ephemera extend)", () => {
  test("an environment not yet expired gets the duration added to its current expiry", () => {
    const decision = planExtend("pr-1", inventory(environment("pr-1", { expiresInHours: 3 })), options(2 * HOUR));
    expect(decision).toMatchObject({ status: "extend", previousExpiresAt: "2026-05-01T15:00:00Z", expiresAt: "2026-05-01T17:00:00Z", capped: false });
  });

  test("every resource is tagged with the new extended-until, in one audited phase", () => {
    const resources = environment("pr-1", { expiresInHours: 3 });
    const decision = planExtend("pr-1", inventory(resources), options(2 * HOUR));
    if (decision.status !== "extend") throw new Error(decision.status);
    const [env] = decision.plan.environments;
    expect(env).toMatchObject({ env: "pr-1", intent: "extend", expiresAt: "2026-05-01T17:00:00Z" });
    expect(env!.phases).toHaveLength(1);
    expect(env!.phases[0]!.actions).toHaveLength(resources.length);
    for (const action of env!.phases[0]!.actions) expect(action).toMatchObject({ type: "tag", tags: { [TAG.extendedUntil]: "2026-05-01T17:00:00Z" } });
  });

  test("an environment already past its expiry (warned, not yet reaped) gets the duration from now", () => {
    const decision = planExtend("pr-1", inventory(environment("pr-1", { expiresInHours: -2, state: "expiring" })), options(HOUR));
    expect(decision).toMatchObject({ status: "extend", previousExpiresAt: "2026-05-01T10:00:00Z", expiresAt: "2026-05-01T13:00:00Z" });
  });

  test("the new expiry is capped at now + max TTL, and the result says it was capped", () => {
    const decision = planExtend("pr-1", inventory(environment("pr-1", { expiresInHours: 10 * 24 })), options(7 * 24 * HOUR));
    expect(decision).toMatchObject({ status: "extend", expiresAt: "2026-05-15T12:00:00Z", capped: true });
  });

  test("an extension never shortens: with the cap at or before the current expiry nothing changes", () => {
    const far = [resource("s3-bucket", "pr-1-artifacts", { ...envTags("pr-1"), [TAG.expiresAt]: "2026-06-30T00:00:00Z" })];
    const decision = planExtend("pr-1", inventory(far), options(HOUR));
    expect(decision).toMatchObject({ status: "unchanged", previousExpiresAt: "2026-06-30T00:00:00Z", expiresAt: "2026-06-30T00:00:00Z" });
    expect(decision.status === "unchanged" && decision.message).toContain("capped at now + max TTL (2w, 2026-05-15T12:00:00Z); nothing changed");
  });

  test("the new expiry is rounded up to a whole second, never down", () => {
    const decision = planExtend("pr-1", inventory(environment("pr-1", { expiresInHours: -1 })), { ...options(HOUR), now: new Date("2026-05-01T12:00:00.250Z") });
    expect(decision).toMatchObject({ expiresAt: "2026-05-01T13:00:01Z" });
  });

  test("a protected environment is refused: it never expires", () => {
    const resources = environment("pr-1", { expiresInHours: 3, extra: { [TAG.protect]: "true" } });
    expect(planExtend("pr-1", inventory(resources), options(HOUR))).toMatchObject({ status: "refused", code: "protected" });
  });

  test("an environment with an unknown expiry is refused, naming the bad tag", () => {
    const resources = environment("pr-1", { expiresInHours: 3, extra: { [TAG.ttl]: "forever" } });
    const decision = planExtend("pr-1", inventory(resources), options(HOUR));
    expect(decision).toMatchObject({ status: "refused", code: "unknown-expiry" });
    expect(decision.status === "refused" && decision.message).toContain('ephemera:ttl "forever"');
  });

  test("an environment with a ttl over the max is extended from the expiry the reaper enforces (created-at + max TTL)", () => {
    const resources = environment("pr-1", { extra: { [TAG.ttl]: "30d", [TAG.createdAt]: "2026-04-20T00:00:00Z" } });
    expect(planExtend("pr-1", inventory(resources), options(HOUR))).toMatchObject({ status: "extend", previousExpiresAt: "2026-05-04T00:00:00Z", expiresAt: "2026-05-04T01:00:00Z" });
  });

  test("an environment being reaped is refused", () => {
    expect(planExtend("pr-1", inventory(environment("pr-1", { state: "reaping" })), options(HOUR))).toMatchObject({ status: "refused", code: "reaping" });
  });

  test("an environment with no resources is not found", () => {
    expect(planExtend("pr-9", inventory(environment("pr-1")), options(HOUR))).toEqual({ status: "refused", code: "not-found", message: "no resources of environment pr-9 were found" });
  });
});
