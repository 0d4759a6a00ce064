import { TAG } from "../../../../reaper/model";
import { listEnvironments } from "../../../../reaper/operations/list-environments";
import { AUDIT_BUCKET, environment, HOUR, inventory, NOW, resource } from "../../../support/reaper-fixtures";

const options = { now: NOW, auditBucket: AUDIT_BUCKET, maxTtlMs: 14 * 24 * HOUR };

describe("summarising environments (ephemera ls)", () => {
  test("an environment is summarised with its state, owner, expiry, time left, budget, spend and resources per kind", () => {
    const listing = listEnvironments(inventory(environment("pr-1", { expiresInHours: 3, owner: "team@example.com" }, { limitUsd: 25, actualUsd: 7.5 })), options);
    expect(listing).toEqual({
      version: 1,
      at: "2026-05-01T12:00:00.000Z",
      complete: true,
      notes: [],
      environments: [
        {
          env: "pr-1",
          state: "active",
          owner: "team@example.com",
          expiresAt: "2026-05-01T15:00:00Z",
          expiryBasis: "created-at+ttl",
          expiryProblem: null,
          secondsLeft: 3 * 3600,
          onExpiry: "delete",
          protected: false,
          budgetUsd: 25,
          spendUsd: 7.5,
          forecastUsd: null,
          estimatedSpendUsd: null,
          burnUsdPerHour: null,
          budgetExhaustedAt: null,
          spendBasis: "budgets",
          resources: {
            budget: 1,
            "db-subnet-group": 1,
            "eks-nodegroup": 1,
            "k8s-namespace": 1,
            "rds-instance": 1,
            "s3-bucket": 1,
            "scheduler-schedule": 1,
            secret: 1,
            "security-group": 1,
          },
          resourceCount: 9,
        },
      ],
      pools: [],
    });
  });

  test("an expired environment has negative seconds left", () => {
    const [env] = listEnvironments(inventory(environment("pr-1", { expiresInHours: -2 })), options).environments;
    expect(env!.secondsLeft).toBe(-2 * 3600);
  });

  test("an environment whose resources disagree shows the most advanced state", () => {
    const resources = [resource("s3-bucket", "a", { ...environment("pr-1")[0]!.tags, [TAG.state]: "paused" }), resource("s3-bucket", "b", environment("pr-1")[0]!.tags)];
    expect(listEnvironments(inventory(resources), options).environments[0]!.state).toBe("paused");
  });

  test("an unknown expiry is null with the reason, never a guess", () => {
    const resources = environment("pr-1", { extra: { [TAG.ttl]: "forever" } });
    const [env] = listEnvironments(inventory(resources), options).environments;
    expect(env).toMatchObject({ expiresAt: null, secondsLeft: null, expiryBasis: null, expiryProblem: expect.stringContaining('"forever"') });
  });

  test("a ttl over the max shows the expiry the reaper enforces (created-at + max), and a note names the tag", () => {
    const resources = environment("pr-1", { extra: { [TAG.ttl]: "30d", [TAG.createdAt]: "2026-05-01T00:00:00Z" } });
    const listing = listEnvironments(inventory(resources), options);
    expect(listing.environments[0]).toMatchObject({ expiresAt: "2026-05-15T00:00:00Z", expiryBasis: "created-at+ttl", expiryProblem: null });
    expect(listing.notes).toEqual([
      expect.objectContaining({ code: "ttl-over-max", env: "pr-1", message: "ephemera:ttl=30d is over the max TTL of 2w (EPHEMERA_MAX_TTL): enforced as 2w" }),
    ]);
  });

  test("without a budget resource the budget comes from the budget-usd tag, and spend is unknown", () => {
    const resources = [resource("s3-bucket", "pr-1-artifacts", { ...environment("pr-1")[0]!.tags, [TAG.budgetUsd]: "40" })];
    expect(listEnvironments(inventory(resources), options).environments[0]).toMatchObject({ budgetUsd: 40, spendUsd: null });
  });

  test("the spend meter's figures: estimate, burn, when the budget runs out at that burn, and which figure counts", () => {
    const at = options.now.toISOString();
    const spend = { "pr-1": { at, usd: 15, burnUsdPerHour: 2.5, unpriced: [], metered: 2, complete: true } };
    const [env] = listEnvironments(inventory(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 25, actualUsd: 7.5 })), { ...options, spend }).environments;
    // The larger figure ($15) reaches $25 in 4 hours at $2.50/h.
    expect(env).toMatchObject({ spendUsd: 7.5, estimatedSpendUsd: 15, burnUsdPerHour: 2.5, spendBasis: "estimate", budgetExhaustedAt: "2026-05-01T16:00:00Z" });
  });

  test("Budgets' figure counts when it is the larger; an exhausted budget runs out at the listing's instant", () => {
    const spend = { "pr-1": { at: options.now.toISOString(), usd: 3, burnUsdPerHour: 0.5, unpriced: [], metered: 1, complete: true } };
    const [env] = listEnvironments(inventory(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 25, actualUsd: 30 })), { ...options, spend }).environments;
    expect(env).toMatchObject({ spendBasis: "budgets", budgetExhaustedAt: "2026-05-01T12:00:00Z" });
  });

  test("an unpriced resource makes the estimate and the burn unknown (null), never zero", () => {
    const spend = { "pr-1": { at: options.now.toISOString(), usd: 0, burnUsdPerHour: 0, unpriced: ["ec2-instance i-1 (ec2 us-east-1 x9.huge)"], metered: 1, complete: true } };
    const [env] = listEnvironments(inventory(environment("pr-1", { expiresInHours: 5 }, { limitUsd: 25, actualUsd: 1 })), { ...options, spend }).environments;
    expect(env).toMatchObject({ estimatedSpendUsd: null, burnUsdPerHour: null, spendBasis: "unknown", budgetExhaustedAt: null });
  });

  test("a listing failure is reported in the notes", () => {
    const listing = listEnvironments(inventory(environment("pr-1"), [{ kind: "rds-instance", scope: "region us-east-1", code: "ThrottlingException", message: "slow down" }]), options);
    expect(listing.notes).toEqual([expect.objectContaining({ code: "listing-failure", message: expect.stringContaining("ThrottlingException") })]);
  });
});

describe("summarising the warm pool (ephemera ls)", () => {
  const warm = (id: string, createdAt: string, status = "available") =>
    resource("rds-instance", id, { [TAG.managedBy]: "ephemera", [TAG.pool]: "default", [TAG.state]: "warm", [TAG.baseline]: "app-1" }, { status, facts: { createdAt } });

  test("the pool's databases are not environments: ls counts them as the pool's, with its size, and raises no warning", () => {
    const resources = [warm("ephemera-pool-default-a", "2026-05-01T08:00:00.000Z"), warm("ephemera-pool-default-b", "2026-05-01T10:00:00.000Z"), warm("ephemera-pool-default-c", "2026-05-01T11:00:00.000Z", "creating")];
    const listing = listEnvironments(inventory(resources), { ...options, pool: { name: "default", size: 3 } });
    expect(listing.environments).toEqual([]);
    expect(listing.notes).toEqual([]);
    expect(listing.pools).toEqual([{ pool: "default", size: 3, warm: 2, restoring: 1, oldestRestoredAt: "2026-05-01T08:00:00.000Z" }]);
  });

  test("a configured pool with nothing in it is shown empty", () => {
    expect(listEnvironments(inventory([]), { ...options, pool: { name: "default", size: 2 } }).pools).toEqual([{ pool: "default", size: 2, warm: 0, restoring: 0, oldestRestoredAt: null }]);
  });
});
