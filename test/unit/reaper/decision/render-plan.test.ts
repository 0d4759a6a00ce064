import { decide } from "../../../../reaper/decision/decide";
import { renderPlan } from "../../../../reaper/decision/render-plan";
import { TAG } from "../../../../reaper/model";
import { CONFIG, environment, envTags, inventory, NOW, resource } from "../../../support/reaper-fixtures";

describe("renderPlan", () => {
  test("shows each environment's intent, reason and numbered phases with their actions", () => {
    const plan = decide({
      inventory: inventory(environment("pr-1", { state: "expiring", onExpiry: "snapshot-delete" })),
      now: NOW,
      config: CONFIG,
    });
    const text = renderPlan(plan);
    expect(text).toContain("Plan at 2026-05-01T12:00:00.000Z: 1 environment to act on, 0 deferred");
    expect(text).toContain("pr-1: reap, expires 2026-05-01T11:00:00Z, on-expiry snapshot-delete");
    expect(text).toContain("  because expired at 2026-05-01T11:00:00Z (ephemera:on-expiry=snapshot-delete)");
    expect(text).toContain("  1. mark\n     - tag budget pr-1-budget ephemera:state=reaping");
    expect(text).toContain("  4. database\n     - delete rds-instance pr-1-db (final snapshot ephemera-pr-1-final-202605011200)");
  });

  test("lists deferred environments and notes with their level, code and place", () => {
    const stranger = { ...envTags("pr-2"), [TAG.managedBy]: "someone-else" };
    const plan = decide({
      inventory: inventory([
        ...environment("pr-1", { state: "expiring" }),
        ...environment("pr-3", { state: "expiring", expiresInHours: -2 }),
        resource("ec2-instance", "i-0abc", stranger),
      ]),
      now: NOW,
      config: { ...CONFIG, maxEnvironmentsPerRun: 1 },
    });
    const text = renderPlan(plan);
    expect(text).toContain("Deferred (blast-radius cap):\n  pr-1: reap, expires 2026-05-01T11:00:00Z");
    expect(text).toContain("[info] unmanaged ec2-instance i-0abc: not tagged ephemera:managed-by=ephemera; ignored");
    expect(text).toContain("[warning] deferred pr-1:");
  });

  test("says when there is nothing to do", () => {
    expect(renderPlan(decide({ inventory: inventory([]), now: NOW, config: CONFIG }))).toContain("Nothing to do.");
  });
});
