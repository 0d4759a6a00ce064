import { TAG } from "../../../../reaper/model";
import { planCheckpoint } from "../../../../reaper/decision/plan-checkpoint";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { environment, envTags, inventory, NOW, resource } from "../../../support/reaper-fixtures";

const options = (more: { label?: string; maxCheckpoints?: number } = {}) => ({ now: NOW, maxCheckpoints: 5, ...more });

/** A checkpoint of pr-1, `minutesAgo` old, labelled `label` ("" for none). */
function checkpoint(minutesAgo: number, label: string, env = "pr-1"): DiscoveredResource {
  const at = new Date(NOW.getTime() - minutesAgo * 60_000);
  const id = `ephemera-${env}-${at.toISOString().slice(0, 19).replace(/[^0-9]/g, "")}`;
  return resource("rds-snapshot", id, { ...envTags(env, { expiresInHours: 3 }), [TAG.checkpoint]: label }, { status: "available", facts: { createdAt: at.toISOString(), allocatedStorageGb: 20 } });
}

function planned(decision: ReturnType<typeof planCheckpoint>) {
  if (decision.status !== "checkpoint") throw new Error(`${decision.status}: ${"message" in decision ? decision.message : ""}`);
  return decision;
}

describe("planning a checkpoint (ephemera checkpoint)", () => {
  test("snapshots the environment's database, named after the environment and the second, with its tags and the label", () => {
    const decision = planned(planCheckpoint("pr-1", inventory(environment("pr-1", { expiresInHours: 3 })), options({ label: "before-migration" })));
    expect(decision).toMatchObject({ snapshot: "ephemera-pr-1-20260501120000", label: "before-migration", database: "pr-1-db", replaced: [] });
    const [env] = decision.plan.environments;
    expect(env).toMatchObject({ env: "pr-1", intent: "checkpoint" });
    expect(env!.phases).toHaveLength(1);
    const action = env!.phases[0]!.actions[0]!;
    expect(action).toMatchObject({ type: "checkpoint", resource: { kind: "rds-instance", id: "pr-1-db" }, snapshot: "ephemera-pr-1-20260501120000" });
    // The environment's tags, so that the checkpoint expires with it and is deleted in its reap; never its protect or pool tags.
    expect(action.type === "checkpoint" && action.tags).toEqual({ ...envTags("pr-1", { expiresInHours: 3 }), [TAG.checkpoint]: "before-migration" });
  });

  test("a label-less checkpoint carries an empty label; a paused environment can be checkpointed", () => {
    const decision = planned(planCheckpoint("pr-1", inventory(environment("pr-1", { expiresInHours: 3, state: "paused" })), options()));
    const action = decision.plan.environments[0]!.phases[0]!.actions[0]!;
    expect(action.type === "checkpoint" && action.tags[TAG.checkpoint]).toBe("");
    expect(action.type === "checkpoint" && action.tags[TAG.state]).toBe("paused");
  });

  test("a second checkpoint in the same second gets a suffix", () => {
    const decision = planned(planCheckpoint("pr-1", inventory([...environment("pr-1", { expiresInHours: 3 }), checkpoint(0, "")]), options()));
    expect(decision.snapshot).toBe("ephemera-pr-1-20260501120000-2");
  });

  test("past the limit, the same plan deletes the oldest label-less checkpoint, after the new one is taken", () => {
    const existing = [checkpoint(50, ""), checkpoint(40, "keep-me"), checkpoint(30, ""), checkpoint(20, "also"), checkpoint(10, "")];
    const decision = planned(planCheckpoint("pr-1", inventory([...environment("pr-1", { expiresInHours: 3 }), ...existing]), options()));
    expect(decision.replaced).toEqual([existing[0]!.id]);
    const phases = decision.plan.environments[0]!.phases;
    expect(phases.map((p) => `${p.name}: ${p.actions.map((a) => a.type).join(", ")}`)).toEqual(["database: checkpoint", "resources: delete"]);
    expect(phases[1]!.actions[0]).toMatchObject({ type: "delete", resource: { kind: "rds-snapshot", id: existing[0]!.id } });
  });

  test("a lowered limit deletes as many label-less ones as it takes, oldest first", () => {
    const existing = [checkpoint(30, ""), checkpoint(20, ""), checkpoint(10, "")];
    const decision = planned(planCheckpoint("pr-1", inventory([...environment("pr-1", { expiresInHours: 3 }), ...existing]), options({ maxCheckpoints: 2 })));
    expect(decision.replaced).toEqual([existing[0]!.id, existing[1]!.id]);
  });

  test("when every checkpoint is labelled, it refuses, naming the setting and the fixes; a labelled one is never removed", () => {
    const existing = [checkpoint(20, "one"), checkpoint(10, "two")];
    const decision = planCheckpoint("pr-1", inventory([...environment("pr-1", { expiresInHours: 3 }), ...existing]), options({ maxCheckpoints: 2 }));
    expect(decision).toMatchObject({ status: "refused", code: "limit" });
    expect("message" in decision && decision.message).toMatch(/EPHEMERA_MAX_CHECKPOINTS=2.*every one is labelled.*Delete a labelled one first.*or raise EPHEMERA_MAX_CHECKPOINTS/);
  });

  test.each([
    ["baseline", /reserved/],
    ["Before", /lowercase letters/],
    ["1st", /starting with a letter/],
    ["ends-", /not ending with a hyphen/],
    ["x".repeat(41), /1 to 40/],
  ])("refuses the label %j", (label, problem) => {
    const decision = planCheckpoint("pr-1", inventory(environment("pr-1", { expiresInHours: 3 })), options({ label }));
    expect(decision).toMatchObject({ status: "refused", code: "label", message: expect.stringMatching(problem) });
  });

  test("refuses a label another checkpoint of the environment has", () => {
    const decision = planCheckpoint("pr-1", inventory([...environment("pr-1", { expiresInHours: 3 }), checkpoint(10, "v1")]), options({ label: "v1" }));
    expect(decision).toMatchObject({ status: "refused", code: "label", message: expect.stringContaining('already has a checkpoint labelled "v1"') });
  });

  test.each<[string, DiscoveredResource[], string]>([
    ["not found", environment("pr-2", { expiresInHours: 3 }), "not-found"],
    ["protected", [...environment("pr-1", { expiresInHours: 3 }), resource("s3-bucket", "pr-1-keep", { ...envTags("pr-1", { expiresInHours: 3 }), [TAG.protect]: "true" })], "protected"],
    ["being reaped", environment("pr-1", { expiresInHours: -1, state: "reaping" }), "reaping"],
    ["without a database", environment("pr-1", { expiresInHours: 3 }).filter((r) => r.kind !== "rds-instance"), "no-database"],
    ["with two databases", [...environment("pr-1", { expiresInHours: 3 }), resource("rds-instance", "pr-1-db2", envTags("pr-1", { expiresInHours: 3 }))], "several-databases"],
  ])("refuses an environment %s, changing nothing", (_name, resources, code) => {
    expect(planCheckpoint("pr-1", inventory(resources), options())).toMatchObject({ status: "refused", code });
  });

  test("refuses when the checkpoints' listing failed: it could not count them", () => {
    const failed = inventory(environment("pr-1", { expiresInHours: 3 }), [{ kind: "rds-snapshot", scope: "region us-east-1", code: "Throttling", message: "slow down" }]);
    expect(planCheckpoint("pr-1", failed, options())).toMatchObject({ status: "refused", code: "incomplete", message: expect.stringContaining("rds-snapshot: Throttling") });
  });

  test("another environment's checkpoints do not count", () => {
    const others = [1, 2, 3, 4, 5].map((m) => checkpoint(m, "", "pr-2"));
    const decision = planned(planCheckpoint("pr-1", inventory([...environment("pr-1", { expiresInHours: 3 }), ...environment("pr-2", { expiresInHours: 3 }), ...others]), options()));
    expect(decision.replaced).toEqual([]);
  });
});
