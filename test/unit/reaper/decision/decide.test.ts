import { decide, type DecideInput } from "../../../../reaper/decision/decide";
import { TAG } from "../../../../reaper/model";
import type { DeleteAction } from "../../../../reaper/contracts/plan";
import type { EnvSpend } from "../../../../reaper/spend/price-usage";
import {
  allActions,
  AUDIT_BUCKET,
  CONFIG,
  environment,
  envPlan,
  type EnvOptions,
  envTags,
  HOUR,
  inventory,
  NOW,
  OWNER_TOPIC,
  PLATFORM_TOPIC,
  resource,
  steps,
} from "../../../support/reaper-fixtures";

const run = (
  resources: Parameters<typeof inventory>[0],
  more: { failures?: Parameters<typeof inventory>[1] } & Partial<Pick<DecideInput, "budgetAlerts">> = {},
) =>
  decide({
    inventory: inventory(resources, more.failures ?? []),
    now: NOW,
    config: CONFIG,
    ...(more.budgetAlerts ? { budgetAlerts: more.budgetAlerts } : {}),
  });

const codes = (plan: ReturnType<typeof decide>, env?: string) =>
  plan.notes.filter((n) => env === undefined || n.env === env).map((n) => n.code);

describe("decide: expiry", () => {
  test("an expired environment whose owner was warned is marked reaping, then deleted in dependency order", () => {
    const plan = run(environment("pr-1", { state: "expiring" }));
    expect(envPlan(plan, "pr-1")?.intent).toBe("reap");
    const ordered = steps(plan, "pr-1");
    expect(ordered.slice(0, 9).every((s) => /^mark: tag .* reaping$/.test(s))).toBe(true);
    expect(ordered.slice(9)).toEqual([
      "namespace: delete k8s-namespace",
      "nodegroup: delete eks-nodegroup",
      "database: delete rds-instance",
      "database-dependencies: delete db-subnet-group",
      "database-dependencies: delete secret",
      "resources: delete s3-bucket",
      "network: delete security-group",
      "billing: delete budget",
      "billing: delete scheduler-schedule",
    ]);
  });

  test("a plain delete takes no final snapshot", () => {
    const plan = run(environment("pr-1", { state: "expiring" }));
    const db = allActions(plan).find((a) => a.action.type === "delete" && a.action.resource.kind === "rds-instance");
    expect((db?.action as DeleteAction).finalSnapshotName).toBeUndefined();
  });

  test("snapshot-delete names the database's final snapshot after the environment and the time", () => {
    const plan = run(environment("pr-1", { state: "expiring", onExpiry: "snapshot-delete" }));
    const db = allActions(plan).find((a) => a.action.type === "delete" && a.action.resource.kind === "rds-instance");
    expect((db?.action as DeleteAction).finalSnapshotName).toBe("ephemera-pr-1-final-202605011200");
  });

  test("with two databases, each final snapshot name also carries the instance id", () => {
    const tags = envTags("pr-1", { state: "expiring", onExpiry: "snapshot-delete" });
    const plan = run([resource("rds-instance", "pr-1-a", tags), resource("rds-instance", "pr-1-b", tags)]);
    const names = allActions(plan).flatMap((a) => (a.action.type === "delete" ? [a.action.finalSnapshotName] : []));
    expect(names).toEqual(["ephemera-pr-1-pr-1-a-final-202605011200", "ephemera-pr-1-pr-1-b-final-202605011200"]);
  });

  test("resources already marked reaping are not tagged again when a reap resumes", () => {
    const resources = environment("pr-1", { state: "reaping" });
    const plan = run(resources);
    expect(steps(plan, "pr-1").filter((s) => s.startsWith("mark"))).toEqual([]);
    expect(steps(plan, "pr-1")[0]).toBe("namespace: delete k8s-namespace");
  });

  test("an environment that has not expired and is outside the warning window gets nothing", () => {
    const plan = run(environment("pr-1", { expiresInHours: 5 }));
    expect(plan.environments).toEqual([]);
    expect(plan.notes).toEqual([]);
  });

  test("on-expiry pause scales to zero and stops the database in order, then marks paused; nothing is deleted", () => {
    const plan = run(environment("pr-1", { state: "expiring", onExpiry: "pause" }));
    expect(envPlan(plan, "pr-1")?.intent).toBe("pause");
    const ordered = steps(plan, "pr-1");
    expect(ordered.slice(0, 3)).toEqual(["namespace: pause k8s-namespace", "nodegroup: pause eks-nodegroup", "database: pause rds-instance"]);
    expect(ordered.slice(3).every((s) => /^mark: tag .* paused$/.test(s))).toBe(true);
    expect(ordered.some((s) => s.includes("delete"))).toBe(false);
  });

  test("an expired pause environment that is already paused gets nothing more", () => {
    const plan = run(environment("pr-1", { state: "paused", onExpiry: "pause" }));
    expect(plan.environments).toEqual([]);
  });
});

describe("decide: the warning window", () => {
  test("an environment within the warning window is notified, then marked expiring, and not deleted", () => {
    const plan = run(environment("pr-1", { expiresInHours: 0.5 }));
    const env = envPlan(plan, "pr-1")!;
    expect(env.intent).toBe("warn");
    expect(env.phases.map((p) => p.name)).toEqual(["notify", "mark"]);
    expect(env.phases[1]!.actions.every((a) => a.type === "tag" && a.tags[TAG.state] === "expiring")).toBe(true);
    expect(allActions(plan).some((a) => a.action.type === "delete" || a.action.type === "pause")).toBe(false);
  });

  test("the warning tells the owner when the environment expires, what will happen and how to extend it", () => {
    const plan = run(environment("pr-1", { expiresInHours: 0.5, onExpiry: "snapshot-delete" }));
    const notify = envPlan(plan, "pr-1")!.phases[0]!.actions[0]!;
    expect(notify).toMatchObject({ type: "notify", topicArn: OWNER_TOPIC, subject: "Ephemera: pr-1 expires at 2026-05-01T12:30:00Z" });
    expect(notify.type === "notify" && notify.message).toMatch(/deleted after a final database snapshot[\s\S]*ephemera extend pr-1/);
  });

  test("an environment past expiry that was never warned is warned this run and reaped on the next", () => {
    const first = run(environment("pr-1", { expiresInHours: -3 }));
    expect(envPlan(first, "pr-1")?.intent).toBe("warn");
    expect(codes(first, "pr-1")).toContain("awaiting-notification");

    const second = run(environment("pr-1", { expiresInHours: -3, state: "expiring" }));
    expect(envPlan(second, "pr-1")?.intent).toBe("reap");
  });

  test("a paused environment entering its warning window keeps its paused resources paused and marks the rest expiring", () => {
    const plan = run(environment("pr-1", { expiresInHours: 0.5, state: "paused" }));
    const env = envPlan(plan, "pr-1")!;
    expect(env.intent).toBe("warn");
    const marked = env.phases[1]!.actions.map((a) => (a.type === "tag" ? a.resource.kind : "other"));
    expect(marked).not.toContain("eks-nodegroup");
    expect(marked).not.toContain("rds-instance");
    expect(marked).not.toContain("k8s-namespace");
    expect(marked).toEqual(expect.arrayContaining(["budget", "security-group"]));
  });

  test("a warned environment inside the window waits for its expiry", () => {
    const plan = run(environment("pr-1", { expiresInHours: 0.5, state: "expiring" }));
    expect(plan.environments).toEqual([]);
  });

  test("an owner that is not an SNS topic is notified through the configured topic", () => {
    const plan = run(environment("pr-1", { expiresInHours: 0.5, owner: "team-web@example.com" }));
    expect(envPlan(plan, "pr-1")!.phases[0]!.actions[0]).toMatchObject({ topicArn: PLATFORM_TOPIC, owner: "team-web@example.com" });
  });

  test("without any topic the environment is marked expiring and the plan says the owner was not notified", () => {
    const plan = decide({
      inventory: inventory(environment("pr-1", { expiresInHours: 0.5, owner: "team-web@example.com" })),
      now: NOW,
      config: { ...CONFIG, notificationTopicArn: undefined },
    });
    expect(envPlan(plan, "pr-1")!.phases.map((p) => p.name)).toEqual(["mark"]);
    expect(codes(plan, "pr-1")).toContain("no-notification-topic");
  });

  test("an environment extended out of the warning window after its warning is marked active again", () => {
    const plan = run(environment("pr-1", { expiresInHours: 30, state: "expiring" }));
    const env = envPlan(plan, "pr-1")!;
    expect(env.intent).toBe("unwarn");
    expect(env.phases.flatMap((p) => p.actions).every((a) => a.type === "tag" && a.tags[TAG.state] === "active")).toBe(true);
  });
});

describe("decide: what is never touched", () => {
  test("one protected resource protects the whole environment", () => {
    const resources = environment("pr-1", { state: "expiring" });
    resources[3] = { ...resources[3]!, tags: { ...resources[3]!.tags, [TAG.protect]: "true" } };
    const plan = run(resources);
    expect(plan.environments).toEqual([]);
    expect(plan.notes).toEqual([expect.objectContaining({ code: "protected", env: "pr-1", resource: { kind: "db-subnet-group", id: "pr-1-db-subnets" } })]);
  });

  test("resources without the managed-by tag are reported and never acted on", () => {
    const { [TAG.managedBy]: _dropped, ...tags } = envTags("pr-1", { state: "expiring" });
    const plan = run([resource("ec2-instance", "i-stranger", tags)]);
    expect(plan.environments).toEqual([]);
    expect(codes(plan)).toEqual(["unmanaged"]);
  });

  test("resources with a missing or invalid env id are reported and skipped", () => {
    const { [TAG.env]: _dropped, ...noEnv } = envTags("pr-1", { state: "expiring" });
    const plan = run([
      resource("ec2-instance", "i-1", noEnv),
      resource("ec2-instance", "i-2", { ...noEnv, [TAG.env]: "PR_1" }),
    ]);
    expect(plan.environments).toEqual([]);
    expect(plan.notes.map((n) => [n.code, n.resource?.id])).toEqual([["invalid-env", "i-1"], ["invalid-env", "i-2"]]);
  });

  test("a malformed expiry tag anywhere in an environment means no action and a note naming the resource", () => {
    const resources = environment("pr-1", { state: "expiring" });
    resources[5] = { ...resources[5]!, tags: { ...resources[5]!.tags, [TAG.ttl]: "forever" } };
    const plan = run(resources);
    expect(plan.environments).toEqual([]);
    expect(plan.notes).toEqual([
      expect.objectContaining({ code: "unknown-expiry", resource: { kind: "s3-bucket", id: "pr-1-artifacts" }, message: expect.stringContaining("forever") }),
    ]);
  });

  test("a resource with no expiry at all makes the environment's expiry unknown", () => {
    const { [TAG.createdAt]: _c, ...tags } = envTags("pr-1", { state: "expiring" });
    const plan = run([...environment("pr-1", { state: "expiring" }), resource("ec2-instance", "i-1", tags)]);
    expect(plan.environments).toEqual([]);
    expect(codes(plan, "pr-1")).toEqual(["unknown-expiry"]);
  });

  test("a malformed on-expiry means no action, not a fallback to delete", () => {
    const plan = run(environment("pr-1", { state: "expiring", onExpiry: "destroy" }));
    expect(plan.environments).toEqual([]);
    expect(codes(plan, "pr-1")).toEqual(["malformed-on-expiry"]);
  });

  test("resources that disagree on on-expiry get the safest value, and the plan says so", () => {
    const resources = environment("pr-1", { state: "expiring", onExpiry: "delete" });
    resources[0] = { ...resources[0]!, tags: { ...resources[0]!.tags, [TAG.onExpiry]: "pause" } };
    resources[1] = { ...resources[1]!, tags: { ...resources[1]!.tags, [TAG.onExpiry]: "snapshot-delete" } };
    const plan = run(resources);
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "pause", onExpiry: "pause" });
    expect(codes(plan, "pr-1")).toContain("conflicting-on-expiry");
  });

  test("the audit bucket is never in a plan, even tagged as an expired environment's resource", () => {
    const tags = envTags("pr-1", { state: "expiring" });
    const plan = run([resource("s3-bucket", AUDIT_BUCKET, tags), resource("s3-bucket", "pr-1-artifacts", tags)]);
    expect(allActions(plan).map((a) => a.action.type !== "notify" && a.action.resource.id)).not.toContain(AUDIT_BUCKET);
    expect(codes(plan)).toContain("audit-bucket");
  });
});

describe("decide: budgets", () => {
  test("an environment over its budget is paused, not deleted, and its owner told", () => {
    const plan = run(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 25, actualUsd: 25 }));
    const env = envPlan(plan, "pr-1")!;
    expect(env.intent).toBe("pause");
    expect(env.phases.map((p) => p.name)).toEqual(["namespace", "nodegroup", "database", "mark", "notify"]);
    expect(env.reason).toContain("budget pr-1-budget spent $25 of $25");
  });

  test("an expired environment that is over budget is paused, never deleted", () => {
    const plan = run(environment("pr-1", { state: "expiring" }, { limitUsd: 10, actualUsd: 11 }));
    expect(envPlan(plan, "pr-1")?.intent).toBe("pause");
    expect(allActions(plan).some((a) => a.action.type === "delete")).toBe(false);
  });

  test("a budget alert for an environment pauses it", () => {
    const plan = run(environment("pr-1", { expiresInHours: 5 }), { budgetAlerts: ["pr-1"] });
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "pause", reason: expect.stringContaining("budget alert") });
  });

  test("a budget alert for an environment discovery did not find is reported", () => {
    const plan = run(environment("pr-1", { expiresInHours: 5 }), { budgetAlerts: ["pr-9", "Not An Env"] });
    expect(plan.environments).toEqual([]);
    expect(codes(plan)).toEqual(["budget-alert-unknown-env", "budget-alert-unknown-env"]);
  });

  test("an over-budget environment that is already paused is left paused", () => {
    const plan = run(environment("pr-1", { expiresInHours: 5, state: "paused" }, { limitUsd: 10, actualUsd: 11 }));
    expect(plan.environments).toEqual([]);
  });

  test("a paused environment whose database AWS restarted gets only that database stopped again", () => {
    const resources = environment("pr-1", { expiresInHours: 5, state: "paused" }).map((r) =>
      r.kind === "rds-instance" ? { ...r, status: "available" } : r,
    );
    const plan = run(resources);
    expect(envPlan(plan, "pr-1")?.intent).toBe("restop");
    expect(steps(plan, "pr-1")).toEqual(["database: pause rds-instance"]);
  });

  test("a paused node group is not paused again when the rest of the environment is", () => {
    const resources = environment("pr-1", { expiresInHours: 5 }, { limitUsd: 1, actualUsd: 2 }).map((r) =>
      r.kind === "eks-nodegroup" ? { ...r, tags: { ...r.tags, [TAG.state]: "paused" } } : r,
    );
    const plan = run(resources);
    expect(steps(plan, "pr-1").filter((s) => s.includes("pause "))).toEqual(["namespace: pause k8s-namespace", "database: pause rds-instance"]);
  });
});

describe("decide: nothing escapes the rules", () => {
  const DAY = 24 * HOUR;
  const OVER_MAX = "ephemera:ttl=30d is over the max TTL of 2w (EPHEMERA_MAX_TTL): enforced as 2w";
  /** Created `ageDays` before NOW with `ephemera:ttl=30d`, against CONFIG's max TTL of 14 days. */
  const overMaxTtl = (ageDays: number, options: EnvOptions = {}, budget?: { limitUsd: number; actualUsd: number }) =>
    environment("pr-1", { ...options, extra: { [TAG.ttl]: "30d", [TAG.createdAt]: new Date(NOW.getTime() - ageDays * DAY).toISOString(), ...options.extra } }, budget);

  test("ephemera:ttl=30d (max 14d) spending 13 times its budget is paused, and the over-max ttl is named", () => {
    const plan = run(overMaxTtl(1, {}, { limitUsd: 10, actualUsd: 130 }));
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "pause", reason: expect.stringContaining("spent $130 of $10") });
    expect(plan.notes).toContainEqual(expect.objectContaining({ level: "warning", code: "ttl-over-max", env: "pr-1", message: OVER_MAX }));
  });

  test("an environment with a ttl over the max, past created-at + max and warned, is reaped, with the warning naming the tag", () => {
    const plan = run(overMaxTtl(15, { state: "expiring" }));
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "reap", expiresAt: "2026-04-30T12:00:00Z" });
    expect(plan.notes).toEqual([expect.objectContaining({ code: "ttl-over-max", resource: { kind: "budget", id: "pr-1-budget" }, message: OVER_MAX })]);
  });

  test("an environment with a ttl over the max is warned within the window of created-at + max, not of created-at + ttl", () => {
    const plan = run(overMaxTtl(14 - 0.5 / 24));
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "warn", expiresAt: "2026-05-01T12:30:00Z" });
  });

  test("an over-budget environment with an unknown expiry is paused, never deleted, and the unknown expiry is still reported", () => {
    const plan = run(environment("pr-1", { state: "expiring", extra: { [TAG.ttl]: "forever" } }, { limitUsd: 10, actualUsd: 130 }));
    const env = envPlan(plan, "pr-1")!;
    expect(env).toMatchObject({ intent: "pause", reason: "over budget (budget pr-1-budget spent $130 of $10)" });
    expect(env.expiresAt).toBeUndefined();
    expect(env.phases.map((p) => p.name)).toEqual(["namespace", "nodegroup", "database", "mark", "notify"]);
    expect(allActions(plan).some((a) => a.action.type === "delete")).toBe(false);
    expect(codes(plan, "pr-1")).toEqual(expect.arrayContaining(["unknown-expiry", "over-budget"]));
    const notify = env.phases[4]!.actions[0]!;
    expect(notify.type === "notify" && notify.message).toContain("Its expiry is unknown");
  });

  test("a budget alert pauses an environment whose expiry is unknown", () => {
    const { [TAG.createdAt]: _c, ...noBase } = envTags("pr-1");
    const plan = run([resource("ec2-instance", "i-1", noBase)], { budgetAlerts: ["pr-1"] });
    expect(envPlan(plan, "pr-1")?.intent).toBe("pause");
  });

  test("an over-budget environment with a malformed on-expiry is paused: a pause needs no on-expiry", () => {
    const plan = run(environment("pr-1", { expiresInHours: 5, onExpiry: "destroy" }, { limitUsd: 10, actualUsd: 11 }));
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "pause", expiresAt: "2026-05-01T17:00:00Z" });
    expect(envPlan(plan, "pr-1")?.onExpiry).toBeUndefined();
    expect(codes(plan, "pr-1")).toEqual(expect.arrayContaining(["malformed-on-expiry", "over-budget"]));
  });

  test("with an unknown expiry and within its budget, nothing is done", () => {
    const plan = run(environment("pr-1", { state: "expiring", extra: { [TAG.ttl]: "forever" } }));
    expect(plan.environments).toEqual([]);
  });

  test("an unknown expiry's budget pause is still withheld when a listing failed, and never made for a protected environment", () => {
    const failure = { kind: "rds-instance" as const, scope: "us-east-1", code: "ThrottlingException", message: "Rate exceeded" };
    const over = environment("pr-1", { extra: { [TAG.ttl]: "forever" } }, { limitUsd: 10, actualUsd: 130 });
    const failed = run(over, { failures: [failure] });
    expect(failed.environments).toEqual([]);
    expect(codes(failed, "pr-1")).toContain("fail-closed");

    const guarded = environment("pr-1", { extra: { [TAG.ttl]: "forever", [TAG.protect]: "true" } }, { limitUsd: 10, actualUsd: 130 });
    expect(run(guarded).environments).toEqual([]);
  });

  test("a paused environment with an unknown expiry whose database AWS restarted gets that database stopped again; one still stopped is left", () => {
    const paused = environment("pr-1", { state: "paused", extra: { [TAG.ttl]: "forever" } }, { limitUsd: 10, actualUsd: 130 });
    expect(run(paused).environments).toEqual([]);
    const restarted = paused.map((r) => (r.kind === "rds-instance" ? { ...r, status: "available" } : r));
    const plan = run(restarted);
    expect(envPlan(plan, "pr-1")?.intent).toBe("restop");
    expect(steps(plan, "pr-1")).toEqual(["database: pause rds-instance"]);
  });
});

describe("decide: the spend meter", () => {
  const spend = (usd: number, burnUsdPerHour: number, unpriced: string[] = []): Record<string, EnvSpend> => ({
    "pr-1": { at: NOW.toISOString(), usd, burnUsdPerHour, unpriced, metered: 2, complete: true },
  });
  const metered = (resources: Parameters<typeof inventory>[0], estimate: Record<string, EnvSpend>, failures: Parameters<typeof inventory>[1] = []) =>
    decide({ inventory: inventory(resources, failures), now: NOW, config: CONFIG, spend: estimate });

  test("an environment whose estimate reached its budget is paused, and the reason names the meter's figure, while Budgets lags", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 2 }), spend(10.5, 0.5));
    const env = envPlan(plan, "pr-1")!;
    expect(env.intent).toBe("pause");
    expect(env.reason).toBe("over budget (the spend meter's estimate $10.50 reached the budget of $10.00 (budget pr-1-budget); AWS Budgets reports $2.00)");
    expect(allActions(plan).some((a) => a.action.type === "delete")).toBe(false);
  });

  test("when Budgets' figure is the larger, the reason names Budgets'", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 12 }), spend(10.5, 0.5));
    expect(envPlan(plan, "pr-1")!.reason).toContain("budget pr-1-budget spent $12 of $10");
  });

  test("an estimate below the budget, burning slowly, does nothing", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 2 }), spend(9.5, 0.1));
    expect(plan.environments).toEqual([]);
  });

  test("an expired environment whose estimate reached the budget is paused, never deleted", () => {
    const plan = metered(environment("pr-1", { state: "expiring" }, { limitUsd: 10, actualUsd: 0 }), spend(11, 0.5));
    expect(envPlan(plan, "pr-1")?.intent).toBe("pause");
  });

  test("a known part at the budget pauses even when another resource has no price; a known part below it does not", () => {
    const over = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 0 }), spend(10, 0.5, ["ec2-instance i-1 (ec2 us-east-1 x9.huge)"]));
    expect(envPlan(over, "pr-1")?.intent).toBe("pause");
    const below = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 0 }), spend(1, 0.5, ["ec2-instance i-1 (ec2 us-east-1 x9.huge)"]));
    expect(below.environments).toEqual([]);
  });

  test("a pause the meter calls for is withheld when a listing failed", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 0 }), spend(11, 0.5), [{ kind: "ec2-instance", scope: "region us-east-1", message: "throttled" }]);
    expect(plan.environments).toEqual([]);
    expect(codes(plan, "pr-1")).toContain("fail-closed");
  });

  test("a burn rate that reaches the budget within the warning window warns the owner, then marks every resource with the limit", () => {
    // $9.60 spent, $0.50/h: $10 at 12:48, within the hour's window.
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 1 }), spend(9.6, 0.5));
    const env = envPlan(plan, "pr-1")!;
    expect(env.intent).toBe("warn-budget");
    expect(env.reason).toBe("spending $0.50/h, it reaches its budget of $10.00 at 2026-05-01T12:48:00Z ($9.60 so far)");
    expect(env.phases.map((p) => p.name)).toEqual(["notify", "mark"]);
    const notify = env.phases[0]!.actions[0]!;
    expect(notify).toMatchObject({ type: "notify", topicArn: OWNER_TOPIC, subject: "Ephemera: pr-1 reaches its budget at 2026-05-01T12:48:00Z" });
    expect(env.phases[1]!.actions.every((a) => a.type === "tag" && a.tags[TAG.budgetWarned] === "10")).toBe(true);
    expect(env.phases[1]!.actions).toHaveLength(environment("pr-1").length);
  });

  test("the burn warning is given once per limit: a marked environment is not warned again, one whose budget was raised is", () => {
    const warned = environment("pr-1", { expiresInHours: 5, extra: { [TAG.budgetWarned]: "10" } }, { limitUsd: 10, actualUsd: 1 });
    expect(metered(warned, spend(9.6, 0.5)).environments).toEqual([]);
    const raised = environment("pr-1", { expiresInHours: 5, extra: { [TAG.budgetWarned]: "10" } }, { limitUsd: 10.5, actualUsd: 1 });
    expect(envPlan(metered(raised, spend(10.3, 0.5)), "pr-1")?.intent).toBe("warn-budget");
  });

  test("a burn rate that reaches the budget only after the warning window does not warn", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 1 }), spend(9, 0.5));
    expect(plan.environments).toEqual([]);
  });

  test("no burn warning without a known burn rate: an unpriced resource makes it unknown", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 10, actualUsd: 1 }), spend(9.6, 0.5, ["ec2-instance i-1 (ec2 us-east-1 x9.huge)"]));
    expect(plan.environments).toEqual([]);
  });

  test("the expiry warning comes first; the burn warning waits for a run with nothing else to do", () => {
    const plan = metered(environment("pr-1", { expiresInHours: 0.5 }, { limitUsd: 10, actualUsd: 1 }), spend(9.6, 0.5));
    expect(envPlan(plan, "pr-1")?.intent).toBe("warn");
  });

  test("without a Budgets budget, the ephemera:budget-usd tag is the limit the estimate is held to", () => {
    const resources = environment("pr-1", { expiresInHours: 5, extra: { [TAG.budgetUsd]: "5" } }).filter((r) => r.kind !== "budget");
    const plan = metered(resources, spend(5.2, 0.5));
    expect(envPlan(plan, "pr-1")).toMatchObject({ intent: "pause", reason: expect.stringContaining(`reached the budget of $5.00 (${TAG.budgetUsd})`) });
  });

  test("the meter's notes join the plan's", () => {
    const plan = decide({
      inventory: inventory(environment("pr-1", { expiresInHours: 5 })),
      now: NOW,
      config: CONFIG,
      spendNotes: [{ level: "warning", code: "spend-meter", message: "the AWS Price List API could not be reached" }],
    });
    expect(codes(plan)).toContain("spend-meter");
  });
});

describe("decide: the warm database pool", () => {
  test("a warm pool database is no environment's: it gets no action and no warning, even next to expired environments", () => {
    const warm = resource("rds-instance", "ephemera-pool-default-ab12cd34", { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm" }, { status: "available" });
    const plan = run([warm, ...environment("pr-1", { state: "expiring" })]);
    expect(allActions(plan).some((a) => a.action.type !== "notify" && a.action.resource.id === warm.id)).toBe(false);
    expect(plan.notes.some((n) => n.resource?.id === warm.id)).toBe(false);
  });

  test("a warm pool database's own security group is no environment's either: no action, no note", () => {
    const group = resource("security-group", "sg-0ab12cd34", { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm" }, { facts: { groupName: "ephemera-pool-default-ab12cd34" } });
    const plan = run([group, ...environment("pr-1", { state: "expiring" })]);
    expect(allActions(plan).some((a) => a.action.type !== "notify" && a.action.resource.id === group.id)).toBe(false);
    expect(plan.notes.some((n) => n.resource?.id === group.id)).toBe(false);
  });

  test("only a database and its security group can be a pool's: anything else tagged with a pool but no environment is reported and skipped", () => {
    const bucket = resource("s3-bucket", "stray", { [TAG.managedBy]: "ephemera", [TAG.pool]: "default" });
    expect(run([bucket]).notes).toEqual([expect.objectContaining({ code: "invalid-env", resource: { kind: "s3-bucket", id: "stray" } })]);
  });
});

describe("decide: failing closed", () => {
  const failure = { kind: "rds-instance" as const, scope: "us-east-1", code: "ThrottlingException", message: "Rate exceeded" };

  test("a listing failure withholds every destructive action and the plan says why", () => {
    const plan = run([...environment("pr-1", { state: "expiring" }), ...environment("pr-2", { expiresInHours: 3 }, { limitUsd: 1, actualUsd: 5 })], {
      failures: [failure],
    });
    expect(plan.environments).toEqual([]);
    expect(plan.notes.filter((n) => n.code === "fail-closed").map((n) => n.env)).toEqual(["pr-1", "pr-2"]);
    expect(plan.notes.find((n) => n.code === "fail-closed")?.message).toContain("ThrottlingException");
  });

  test("a listing failure does not stop owners from being warned", () => {
    const plan = run(environment("pr-1", { expiresInHours: 0.5 }), { failures: [failure] });
    expect(envPlan(plan, "pr-1")?.intent).toBe("warn");
  });

  test("a failure scoped to one environment holds back only that environment", () => {
    const plan = run([...environment("pr-1", { state: "expiring" }), ...environment("pr-2", { state: "expiring" })], {
      failures: [{ ...failure, kind: "k8s-namespace", scope: "shared/pr-1", env: "pr-1" }],
    });
    expect(plan.environments.map((e) => e.env)).toEqual(["pr-2"]);
    expect(codes(plan, "pr-1")).toContain("fail-closed");
  });
});

describe("decide: blast radius and order", () => {
  test("at most the configured number of environments get destructive actions; the rest are deferred, earliest expiry first", () => {
    const plan = decide({
      inventory: inventory([
        ...environment("pr-c", { state: "expiring", expiresInHours: -1 }),
        ...environment("pr-a", { state: "expiring", expiresInHours: -3 }),
        ...environment("pr-b", { state: "expiring", expiresInHours: -2 }),
      ]),
      now: NOW,
      config: { ...CONFIG, maxEnvironmentsPerRun: 2 },
    });
    expect(plan.environments.map((e) => e.env)).toEqual(["pr-a", "pr-b"]);
    expect(plan.deferred).toEqual([expect.objectContaining({ env: "pr-c", intent: "reap" })]);
    expect(codes(plan, "pr-c")).toEqual(["deferred"]);
  });

  test("warnings do not count against the cap", () => {
    const plan = decide({
      inventory: inventory([...environment("pr-a", { state: "expiring" }), ...environment("pr-b", { expiresInHours: 0.5 })]),
      now: NOW,
      config: { ...CONFIG, maxEnvironmentsPerRun: 1 },
    });
    expect(plan.environments.map((e) => [e.env, e.intent])).toEqual([["pr-a", "reap"], ["pr-b", "warn"]]);
  });

  test("the plan does not depend on the order discovery listed resources in", () => {
    const resources = [...environment("pr-a", { state: "expiring" }), ...environment("pr-b", { expiresInHours: 0.5 })];
    expect(run([...resources].reverse())).toEqual(run(resources));
  });

  test("the plan is plain data that survives a JSON round trip", () => {
    const plan = run([...environment("pr-a", { state: "expiring", onExpiry: "snapshot-delete" }), ...environment("pr-b", { expiresInHours: 0.5 })]);
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    expect(plan.createdAt).toBe(NOW.toISOString());
  });

  test("a warning window of zero warns at expiry and reaps on the run after", () => {
    const config = { ...CONFIG, warningWindowMs: 0 };
    const before = decide({ inventory: inventory(environment("pr-1", { expiresInHours: 0.01 })), now: NOW, config });
    expect(before.environments).toEqual([]);
    const at = decide({ inventory: inventory(environment("pr-1", { expiresInHours: 0 })), now: NOW, config });
    expect(envPlan(at, "pr-1")?.intent).toBe("warn");
  });
});

describe("decide: leftovers", () => {
  test("an environment extended after a partial reap is left as it is, and the plan says so", () => {
    const plan = decide({ inventory: inventory(environment("pr-1", { expiresInHours: 30, state: "reaping" })), now: NOW, config: CONFIG });
    expect(plan.environments).toEqual([]);
    expect(plan.notes.map((n) => n.code)).toEqual(["stale-state"]);
  });
});
