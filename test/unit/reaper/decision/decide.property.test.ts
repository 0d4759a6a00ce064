import fc from "fast-check";
import { decide, isDestructive, type DecideInput } from "../../../../reaper/decision/decide";
import type { DiscoveredResource, ListingFailure } from "../../../../reaper/contracts/kind-adapter";
import {
  expiryOf,
  isManagedByEphemera,
  isProtected,
  TAG,
  tryParseEnvId,
  tryParseOnExpiry,
} from "../../../../reaper/model";
import type { Plan } from "../../../../reaper/contracts/plan";
import { ALL_KINDS as KINDS, AUDIT_BUCKET, CONFIG, HOUR, NOW } from "../../../support/reaper-fixtures";

const ENVS = ["pr-1", "pr-2", "pr-3", "pr-4"];

const hoursFromNow = (h: number) => new Date(NOW.getTime() + h * HOUR).toISOString();

/** Tags drawn mostly from valid values, sometimes garbage, sometimes absent. */
const tagsArb: fc.Arbitrary<Record<string, string>> = fc
  .record({
    managedBy: fc.constantFrom("ephemera", "ephemera", "ephemera", "terraform", undefined),
    env: fc.oneof(fc.constantFrom(...ENVS), fc.constantFrom("PR_1", "", "-x", undefined)),
    createdAt: fc.oneof(
      fc.integer({ min: -400, max: 60 }).map(hoursFromNow),
      fc.constantFrom("yesterday", "2026-05-01T10:00:00", undefined),
    ),
    // 30d is over CONFIG's max TTL of 14 days: well-formed, so enforced as the max.
    ttl: fc.constantFrom("1h", "8h", "1d", "3d", "1w", "30d", "forever", "0h", undefined),
    expiresAt: fc.oneof(fc.integer({ min: -48, max: 48 }).map(hoursFromNow), fc.constant(undefined), fc.constant(undefined)),
    extendedUntil: fc.oneof(fc.integer({ min: -48, max: 96 }).map(hoursFromNow), fc.constant(undefined), fc.constant(undefined)),
    onExpiry: fc.constantFrom("delete", "snapshot-delete", "pause", "destroy", undefined, undefined),
    protect: fc.constantFrom(undefined, undefined, undefined, undefined, "true", "false", "yes"),
    state: fc.constantFrom(undefined, "active", "expiring", "expiring", "paused", "reaping", "weird"),
    owner: fc.constantFrom(undefined, "team@example.com", "arn:aws:sns:us-east-1:123456789012:team"),
  })
  .map((t) => {
    const tags: Record<string, string> = {};
    const put = (key: string, value: string | undefined) => {
      if (value !== undefined) tags[key] = value;
    };
    put(TAG.managedBy, t.managedBy);
    put(TAG.env, t.env);
    put(TAG.createdAt, t.createdAt);
    put(TAG.ttl, t.ttl);
    put(TAG.expiresAt, t.expiresAt);
    put(TAG.extendedUntil, t.extendedUntil);
    put(TAG.onExpiry, t.onExpiry);
    put(TAG.protect, t.protect);
    put(TAG.state, t.state);
    put(TAG.owner, t.owner);
    return tags;
  });

/**
 * Environments are mostly coherent (every resource carries its environment's tags, as
 * the Aspect writes them), with the odd resource whose tags drift or are garbage.
 */
const resourceArb = fc.record({
  kind: fc.constantFrom(...KINDS),
  envIndex: fc.integer({ min: 0, max: ENVS.length - 1 }),
  drift: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: tagsArb }),
  driftKeys: fc.subarray([TAG.managedBy, TAG.env, TAG.createdAt, TAG.ttl, TAG.onExpiry, TAG.protect, TAG.state], { maxLength: 2 }),
  status: fc.constantFrom(undefined, "available", "stopped", "ACTIVE"),
  limitUsd: fc.integer({ min: 1, max: 50 }),
  actualUsd: fc.integer({ min: 0, max: 60 }),
  isAuditBucket: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
});

const failureArb: fc.Arbitrary<ListingFailure> = fc.record({
  kind: fc.constantFrom(...KINDS),
  scope: fc.constant("us-east-1"),
  code: fc.constant("ThrottlingException"),
  message: fc.constant("Rate exceeded"),
  env: fc.constantFrom(undefined, ...ENVS),
});

const inputArb: fc.Arbitrary<DecideInput> = fc
  .record({
    envTags: fc.tuple(...ENVS.map((env) => tagsArb.map((t) => ({ ...t, [TAG.env]: env })))),
    resources: fc.array(resourceArb, { maxLength: 24 }),
    failures: fc.oneof(
      { weight: 3, arbitrary: fc.constant<ListingFailure[]>([]) },
      { weight: 2, arbitrary: fc.array(failureArb, { minLength: 1, maxLength: 2 }) },
    ),
    budgetAlerts: fc.subarray(ENVS, { maxLength: 1 }),
    // The spend meter's estimate per environment: absent, or any figure, sometimes with an unpriced resource.
    spend: fc.tuple(
      ...ENVS.map(() =>
        fc.option(
          fc.record({
            usd: fc.integer({ min: 0, max: 6000 }).map((cents) => cents / 100),
            burn: fc.oneof(fc.constant(Number.MIN_VALUE), fc.integer({ min: 0, max: 3000 }).map((cents) => cents / 100)),
            unpriced: fc.boolean(),
          }),
          { nil: undefined },
        ),
      ),
    ),
    cap: fc.integer({ min: 0, max: 4 }),
    windowHours: fc.integer({ min: 0, max: 6 }),
  })
  .map(({ envTags, resources, failures, budgetAlerts, spend, cap, windowHours }) => ({
    inventory: {
      resources: resources.map((r, i): DiscoveredResource => {
        const tags: Record<string, string> = { ...envTags[r.envIndex] };
        for (const key of r.driftKeys) {
          if (r.drift === undefined) break;
          if (r.drift[key] === undefined) delete tags[key];
          else tags[key] = r.drift[key];
        }
        return {
          kind: r.isAuditBucket ? "s3-bucket" : r.kind,
          id: r.isAuditBucket ? AUDIT_BUCKET : `${r.kind}-${i}`,
          region: "us-east-1",
          tags,
          ...(r.status === undefined ? {} : { status: r.status }),
          ...(r.kind === "budget" ? { facts: { limitUsd: r.limitUsd, actualUsd: r.actualUsd } } : {}),
        };
      }),
      failures,
    },
    now: NOW,
    budgetAlerts,
    spend: Object.fromEntries(
      ENVS.flatMap((env, i) => {
        const s = spend[i];
        return s === undefined ? [] : [[env, { at: NOW.toISOString(), usd: s.usd, burnUsdPerHour: s.burn, unpriced: s.unpriced ? ["ec2-instance i-x (ec2 us-east-1 x9.huge)"] : [], metered: 1, complete: true }]];
      }),
    ),
    config: { ...CONFIG, maxEnvironmentsPerRun: cap, warningWindowMs: windowHours * HOUR },
  }));

/** The resources decide would group under `env`, computed independently of decide. */
function envResources(input: DecideInput, env: string): DiscoveredResource[] {
  return input.inventory.resources.filter(
    (r) => isManagedByEphemera(r.tags) && r.tags[TAG.env] === env && tryParseEnvId(env).ok && r.id !== AUDIT_BUCKET,
  );
}

function actionsOf(plan: Plan) {
  return plan.environments.flatMap((e) => e.phases.flatMap((p) => p.actions.map((action) => ({ env: e, phase: p.name, action }))));
}

function overBudget(input: DecideInput, env: string): boolean {
  const budgets = envResources(input, env).filter((r) => r.kind === "budget");
  const strictest = Math.min(...budgets.map((r) => Number(r.facts?.limitUsd)));
  const metered = input.spend?.[env]?.usd;
  return (
    (input.budgetAlerts ?? []).includes(env) ||
    budgets.some((r) => Number(r.facts?.actualUsd) >= Number(r.facts?.limitUsd)) ||
    (metered !== undefined && metered >= strictest)
  );
}

const RUNS = { numRuns: 400 };

describe("the generated inventories", () => {
  test("exercise every intent, so the properties below are not vacuous", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = decide(input);
        for (const env of plan.environments) seen.add(env.intent);
        if (plan.deferred.length > 0) seen.add("deferred");
      }),
      { numRuns: 4000, seed: 42 },
    );
    expect([...seen].sort()).toEqual(["deferred", "pause", "reap", "restop", "unwarn", "warn", "warn-budget"]);
  });
});

describe("decide, for any inventory", () => {
  test("only managed resources with the plan's own valid env id get an action, never the audit bucket", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const { env, action } of actionsOf(decide(input))) {
          if (action.type === "notify") continue;
          expect(isManagedByEphemera(action.resource.tags)).toBe(true);
          expect(action.resource.tags[TAG.env]).toBe(env.env);
          expect(action.resource.id).not.toBe(AUDIT_BUCKET);
        }
      }),
      RUNS,
    );
  });

  test("a protected environment gets no action at all; one with a malformed or expiry-less resource gets nothing but a budget pause or a re-stop", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = decide(input);
        for (const env of plan.environments) {
          const resources = envResources(input, env.env);
          expect(resources.some((r) => isProtected(r.tags))).toBe(false);
          const expiryKnown = resources.every((r) => expiryOf([r.tags], { maxTtl: input.config.maxTtlMs }).known);
          const onExpiryValid = resources.every((r) => tryParseOnExpiry(r.tags[TAG.onExpiry]).ok);
          if (expiryKnown && onExpiryValid) continue;
          expect(["pause", "restop"]).toContain(env.intent);
          if (env.intent === "pause") expect(overBudget(input, env.env)).toBe(true);
          for (const action of env.phases.flatMap((p) => p.actions)) {
            expect(action.type === "pause" || action.type === "notify" || (action.type === "tag" && action.tags[TAG.state] === "paused")).toBe(true);
          }
        }
      }),
      RUNS,
    );
  });

  test("an environment over budget that is not protected and has no failed listing gets a pause (or is already paused), whatever its expiry tags", () => {
    let unknownExpiryPaused = 0;
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = decide(input);
        for (const env of ENVS) {
          const resources = envResources(input, env);
          if (resources.length === 0 || !overBudget(input, env)) continue;
          if (resources.some((r) => isProtected(r.tags))) continue;
          if (input.inventory.failures.some((f) => f.env === undefined || f.env === env)) continue;
          const planned = plan.environments.find((e) => e.env === env) ?? plan.deferred.find((d) => d.env === env);
          if (resources.every((r) => r.tags[TAG.state] === "paused")) {
            // Already paused: nothing more, or a re-stop of a database AWS restarted.
            expect(planned === undefined || planned.intent === "restop").toBe(true);
            continue;
          }
          expect(planned?.intent).toBe("pause");
          if (!expiryOf(resources.map((r) => r.tags), { maxTtl: input.config.maxTtlMs }).known) unknownExpiryPaused += 1;
        }
      }),
      RUNS,
    );
    // Not vacuous: some of those paused had an unknown expiry.
    expect(unknownExpiryPaused).toBeGreaterThan(0);
  });

  test("nothing is deleted before the environment's expiry, nor before its owner was warned", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const env of decide(input).environments) {
          if (!env.phases.some((p) => p.actions.some((a) => a.type === "delete"))) continue;
          const resources = envResources(input, env.env);
          const expiry = expiryOf(resources.map((r) => r.tags), { maxTtl: input.config.maxTtlMs });
          expect(expiry.known && expiry.expiresAt.getTime() <= NOW.getTime()).toBe(true);
          expect(resources.some((r) => r.tags[TAG.state] === "expiring" || r.tags[TAG.state] === "reaping")).toBe(true);
        }
      }),
      RUNS,
    );
  });

  test("a pause is only ever for a budget, an expired pause environment or a database AWS restarted", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const { env, action } of actionsOf(decide(input))) {
          if (action.type !== "pause") continue;
          const resources = envResources(input, env.env);
          const expiry = expiryOf(resources.map((r) => r.tags), { maxTtl: input.config.maxTtlMs });
          const expired = expiry.known && expiry.expiresAt.getTime() <= NOW.getTime();
          const restarted = action.resource.kind === "rds-instance" && action.resource.tags[TAG.state] === "paused";
          expect(overBudget(input, env.env) || expired || restarted).toBe(true);
        }
      }),
      RUNS,
    );
  });

  test("an environment that asks to be paused, or is over budget, is never deleted", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const { env, action } of actionsOf(decide(input))) {
          if (action.type !== "delete") continue;
          const resources = envResources(input, env.env);
          expect(resources.some((r) => r.tags[TAG.onExpiry] === "pause")).toBe(false);
          expect(overBudget(input, env.env)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  test("with a listing failure, no environment it may hide gets a delete or a pause", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const failures = input.inventory.failures;
        for (const { env, action } of actionsOf(decide(input))) {
          if (action.type !== "delete" && action.type !== "pause") continue;
          expect(failures.some((f) => f.env === undefined || f.env === env.env)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  test("no more environments than the cap get destructive actions, and none is both planned and deferred", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = decide(input);
        expect(plan.environments.filter(isDestructive).length).toBeLessThanOrEqual(input.config.maxEnvironmentsPerRun);
        const planned = new Set(plan.environments.map((e) => e.env));
        expect(plan.deferred.filter((d) => planned.has(d.env))).toEqual([]);
      }),
      RUNS,
    );
  });

  test("a warning, of expiry or of burn, never deletes or pauses, and notifies before it marks", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const env of decide(input).environments.filter((e) => e.intent === "warn" || e.intent === "warn-budget")) {
          expect(env.phases.flatMap((p) => p.actions).every((a) => a.type === "notify" || a.type === "tag")).toBe(true);
          expect(env.phases.map((p) => p.name)).toEqual(env.phases.length === 2 ? ["notify", "mark"] : ["mark"]);
        }
      }),
      RUNS,
    );
  });

  test("a burn warning marks only ephemera:budget-warned, for an environment the meter sees burning and not yet over", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const env of decide(input).environments.filter((e) => e.intent === "warn-budget")) {
          for (const action of env.phases.flatMap((p) => p.actions)) if (action.type === "tag") expect(Object.keys(action.tags)).toEqual([TAG.budgetWarned]);
          expect(input.spend?.[env.env]?.burnUsdPerHour).toBeGreaterThan(0);
          expect(input.spend?.[env.env]?.unpriced).toEqual([]);
          expect(overBudget(input, env.env)).toBe(false);
        }
      }),
      RUNS,
    );
  });

  test("deletes come after the reaping mark and in dependency order", () => {
    const order = ["mark", "namespace", "nodegroup", "database", "database-dependencies", "resources", "network", "identity", "billing"];
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const env of decide(input).environments.filter((e) => e.intent === "reap")) {
          const names = env.phases.map((p) => order.indexOf(p.name));
          expect(names).toEqual([...names].sort((a, b) => a - b));
          expect(names.every((n) => n >= 0)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  test("the plan is the same whatever order the inventory and alerts come in, and survives JSON", () => {
    fc.assert(
      fc.property(inputArb, fc.integer(), (input, seed) => {
        const shuffle = <T>(items: readonly T[]) =>
          items
            .map((item, i) => ({ item, k: Math.sin(seed + i * 7919) }))
            .sort((a, b) => a.k - b.k)
            .map(({ item }) => item);
        const plan = decide(input);
        const shuffled = decide({
          ...input,
          inventory: { resources: shuffle(input.inventory.resources), failures: shuffle(input.inventory.failures) },
          budgetAlerts: shuffle(input.budgetAlerts ?? []),
        });
        expect(shuffled).toEqual(plan);
        expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
      }),
      RUNS,
    );
  });
});
