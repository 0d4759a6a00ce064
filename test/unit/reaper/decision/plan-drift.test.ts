import { describeDrift, planDrift } from "../../../../reaper/decision/plan-drift";
import { seenIn } from "../../../../reaper/decision/reviewed-plan";
import { TAG } from "../../../../reaper/model";
import { environment, inventory, resource } from "../../../support/reaper-fixtures";

const before = environment("pr-1", { expiresInHours: -2, state: "expiring" });
const seen = seenIn(inventory(before), "pr-1");
const withResource = (id: string, change: (r: (typeof before)[number]) => (typeof before)[number]) => before.map((r) => (r.id === id ? change(r) : r));

describe("planDrift", () => {
  it("finds none when the environment is exactly as seen, whatever the order and other environments", () => {
    expect(planDrift("pr-1", seen, inventory([...environment("pr-2"), ...before].reverse()))).toEqual([]);
  });

  it("names a tag changed, added or removed, with its old and new value", () => {
    const now = withResource("pr-1-artifacts", (r) => {
      const { [TAG.owner]: _owner, ...rest } = r.tags;
      return { ...r, tags: { ...rest, [TAG.state]: "active", [TAG.protect]: "true" } };
    });
    const drift = planDrift("pr-1", seen, inventory(now));
    expect(drift).toEqual([
      { change: "protected", kind: "s3-bucket", id: "pr-1-artifacts" },
      { change: "tag", kind: "s3-bucket", id: "pr-1-artifacts", tag: TAG.owner, was: before[0]!.tags[TAG.owner], now: null },
      { change: "tag", kind: "s3-bucket", id: "pr-1-artifacts", tag: TAG.protect, was: null, now: "true" },
      { change: "tag", kind: "s3-bucket", id: "pr-1-artifacts", tag: TAG.state, was: "expiring", now: "active" },
    ]);
    expect(drift.map(describeDrift)[2]).toBe('s3-bucket pr-1-artifacts: tag ephemera:protect was (none), now "true"');
  });

  it("names a status changed, a resource gone and one that appeared", () => {
    const now = [...withResource("pr-1-db", (r) => ({ ...r, status: "stopped" })).filter((r) => r.id !== "pr-1/db-password"), resource("s3-bucket", "pr-1-extra", before[0]!.tags)];
    expect(planDrift("pr-1", seen, inventory(now)).map(describeDrift).sort()).toEqual([
      'rds-instance pr-1-db: status was "available", now "stopped"',
      "s3-bucket pr-1-extra: appeared since the plan was made",
      "secret pr-1/db-password: gone since the plan was made",
    ]);
  });

  it("refuses an environment one of whose resources is protected even when the plan saw it so: a plan file cannot override protection", () => {
    // A hand-written plan whose `seen` matches the protected resource exactly: no tag or status drift.
    const guarded = withResource("pr-1-db", (r) => ({ ...r, tags: { ...r.tags, [TAG.protect]: "yes" } }));
    const drift = planDrift("pr-1", seenIn(inventory(guarded), "pr-1"), inventory(guarded));
    expect(drift).toEqual([{ change: "protected", kind: "rds-instance", id: "pr-1-db" }]);
    expect(describeDrift(drift[0]!)).toBe("rds-instance pr-1-db: carries ephemera:protect, which protects the whole environment whatever a plan says");
    expect(planDrift("pr-1", seenIn(inventory(guarded), "pr-1"), inventory(withResource("pr-1-db", (r) => ({ ...r, tags: { ...r.tags, [TAG.protect]: "false" } }))))).not.toContainEqual(
      expect.objectContaining({ change: "protected" }),
    );
  });

  it("fails closed on a listing failure that can hide the environment, and ignores one that names another environment", () => {
    const failures = [
      { kind: "rds-instance" as const, scope: "us-east-1", code: "ThrottlingException", message: "Rate exceeded" },
      { kind: "secret" as const, scope: "pr-2/db-password", message: "AccessDenied", env: "pr-2" },
    ];
    const drift = planDrift("pr-1", seen, inventory(before, failures));
    expect(drift).toEqual([{ change: "unlisted", kind: "rds-instance", scope: "us-east-1", message: "Rate exceeded" }]);
    expect(describeDrift(drift[0]!)).toContain("the listing failed (Rate exceeded), so the environment cannot be compared");
  });
});
