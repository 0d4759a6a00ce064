import { type BudgetAlertMessage, type BudgetNotification, handleBudgetAlerts } from "../../../../reaper/operations/handle-budget-alert";
import type { RunReport } from "../../../../reaper/operations/run-report";
import type { SweepRequest } from "../../../../reaper/operations/run-sweep";
import type { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";

const ACCOUNT = "123456789012";

/** The parts of a runtime the operation reads; no allowed accounts, so a provisioning pause is refused before any write. */
function fakeRuntime(options: { dryRun?: boolean; callerAccount?: () => Promise<string> } = {}): ReaperRuntime {
  return {
    settings: { dryRun: options.dryRun ?? false },
    config: { allowedAccounts: [] },
    callerAccount: options.callerAccount ?? (async () => ACCOUNT),
  } as unknown as ReaperRuntime;
}

const notification = (budgetName: string, extra: Partial<BudgetNotification> = {}): BudgetNotification => ({
  budgetName,
  alertType: "ACTUAL",
  accountId: ACCOUNT,
  amount: "$21.34",
  threshold: "> $20.00",
  budgetedAmount: "$25.00",
  ...extra,
});

const run = (environments: RunReport["environments"], extra: Partial<RunReport> = {}): RunReport => ({
  runId: "20260501T120000Z-3f9a1c2b",
  ok: true,
  dryRun: false,
  environments,
  deferred: 0,
  actions: {},
  warnings: [],
  timings: {} as RunReport["timings"],
  ...extra,
});

function recordingSweep(report: (request: SweepRequest) => RunReport) {
  const requests: SweepRequest[] = [];
  const sweep = async (request: SweepRequest) => {
    requests.push(request);
    return report(request);
  };
  return { requests, sweep };
}

describe("what budget alerts do", () => {
  test("the environments the alerts name are swept once, together, and each alert reports its environment's pause", async () => {
    const messages: BudgetAlertMessage[] = [
      { record: 0, messageId: "m0", notification: notification("ephemera-pr-1") },
      { record: 1, notification: notification("ephemera-pr-2") },
      { record: 2, messageId: "m2", notification: notification("ephemera-pr-1") },
    ];
    const { requests, sweep } = recordingSweep(() =>
      run([
        { env: "pr-1", intent: "pause", status: "done" },
        { env: "pr-2", intent: "pause", status: "failed" },
      ]),
    );
    const result = await handleBudgetAlerts(fakeRuntime(), messages, sweep);
    expect(requests).toEqual([{ envs: ["pr-1", "pr-2"], budgetAlerts: ["pr-1", "pr-2"] }]);
    expect(result).toEqual({
      ok: false,
      run: expect.objectContaining({ runId: "20260501T120000Z-3f9a1c2b" }),
      budgetAlerts: [
        { record: 0, messageId: "m0", budgetName: "ephemera-pr-1", alertType: "ACTUAL", amount: "$21.34", env: "pr-1", status: "paused" },
        {
          record: 1,
          budgetName: "ephemera-pr-2",
          alertType: "ACTUAL",
          amount: "$21.34",
          env: "pr-2",
          status: "pause-failed",
          reason: "the pause failed; see the run's actions (run 20260501T120000Z-3f9a1c2b)",
        },
        { record: 2, messageId: "m2", budgetName: "ephemera-pr-1", alertType: "ACTUAL", amount: "$21.34", env: "pr-1", status: "paused" },
      ],
    });
  });

  test("a dry run reports would-pause, and an environment the plan does not pause says why", async () => {
    const messages: BudgetAlertMessage[] = [
      { record: 0, notification: notification("ephemera-pr-1") },
      { record: 1, notification: notification("ephemera-pr-2") },
    ];
    const { sweep } = recordingSweep(() =>
      run([{ env: "pr-1", intent: "pause", status: "not-run" }], {
        dryRun: true,
        warnings: [
          { level: "warning", code: "protected", env: "pr-2", message: "pr-2 is protected" },
          { level: "warning", code: "over-budget", env: "pr-2", message: "over" },
        ] as RunReport["warnings"],
      }),
    );
    const result = await handleBudgetAlerts(fakeRuntime(), messages, sweep);
    expect(result.ok).toBe(true);
    expect(result.budgetAlerts.map((o) => [o.status, o.reason])).toEqual([
      ["would-pause", undefined],
      ["not-paused", "protected: pr-2 is protected"],
    ]);
  });

  test("without an environment to pause there is no sweep: unreadable messages, other budgets and other accounts", async () => {
    const messages: BudgetAlertMessage[] = [
      { record: 0, unreadable: "the message is empty" },
      { record: 1, notification: notification("team-web-monthly") },
      { record: 2, notification: notification("ephemera-pr-1", { accountId: "210987654321" }) },
      { record: 3, notification: notification("ephemera-PR_1") },
    ];
    const { requests, sweep } = recordingSweep(() => run([]));
    const result = await handleBudgetAlerts(fakeRuntime(), messages, sweep);
    expect(requests).toEqual([]);
    expect(result).toMatchObject({
      ok: false,
      error: "1 of 4 SNS messages could not be read as budget notifications; nothing was done",
      budgetAlerts: [
        { record: 0, status: "unparseable", reason: "the message is empty" },
        { record: 1, status: "ignored", reason: 'budget "team-web-monthly" is not an Ephemera budget (ephemera-<env>)' },
        { record: 2, status: "ignored", reason: "the alert is for account 210987654321, not this one (123456789012)" },
        { record: 3, status: "ignored" },
      ],
    });
    expect(result.run).toBeUndefined();
  });

  test("the caller's account is asked once, and asked again only while it cannot be established", async () => {
    let calls = 0;
    const callerAccount = async () => {
      calls++;
      if (calls === 1) throw new Error("STS is down");
      return ACCOUNT;
    };
    const messages: BudgetAlertMessage[] = [1, 2, 3].map((n) => ({ record: n - 1, notification: notification("team-web-monthly") }));
    await handleBudgetAlerts(fakeRuntime({ callerAccount }), messages, recordingSweep(() => run([])).sweep);
    expect(calls).toBe(2);
  });

  test("the platform budget's alert pauses provisioning, not an environment; a refused pause fails the alert", async () => {
    const platform: BudgetAlertMessage[] = [{ record: 0, notification: notification("ephemera-platform") }];
    const dry = await handleBudgetAlerts(fakeRuntime({ dryRun: true }), platform, recordingSweep(() => run([])).sweep);
    expect(dry).toEqual({ ok: true, budgetAlerts: [expect.objectContaining({ status: "not-paused", reason: "dry run: provisioning would be paused" })] });

    const refused = await handleBudgetAlerts(fakeRuntime(), platform, recordingSweep(() => run([])).sweep);
    expect(refused).toMatchObject({
      ok: false,
      error: "the platform budget's alert could not pause provisioning",
      budgetAlerts: [{ status: "provisioning-failed", reason: expect.stringContaining("is not in allowedAccounts") }],
    });
  });

  test("a sweep that failed before planning leaves each named environment not paused, with the sweep's error", async () => {
    const { sweep } = recordingSweep(() => run([], { ok: false, error: "refused to act: account guard" }));
    const result = await handleBudgetAlerts(fakeRuntime(), [{ record: 0, notification: notification("ephemera-pr-1") }], sweep);
    expect(result).toMatchObject({ ok: false, error: "refused to act: account guard", budgetAlerts: [{ status: "not-paused", reason: "refused to act: account guard" }] });
  });
});
