import { runSweep } from "../../../../reaper/operations/run-sweep";
import { ReaperRuntime } from "../../../../reaper/runtime/reaper-runtime";
import { readSettings } from "../../../../reaper/config/read-settings";
import { EMULATOR_CREDENTIALS, useEmulator } from "../../../../harness/emulator";
import { seedAuditBucket, seedEnvironment } from "../../../../harness/seed-environments";

const emulator = useEmulator();
const AUDIT_BUCKET = "ephemera-audit-runtime";

describe("ReaperRuntime", () => {
  it("asks STS who the caller is once per sweep: the account guard's answer serves the budget listing too", async () => {
    const e = emulator();
    await seedAuditBucket(e, AUDIT_BUCKET);
    await seedEnvironment(e, "pr-1", new Date(), { expiresInHours: 5, database: false });
    const settings = readSettings({ ...e.env(), EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET, EPHEMERA_ALLOWED_ACCOUNTS: e.accountId });
    const runtime = new ReaperRuntime(settings, { credentials: EMULATOR_CREDENTIALS });
    const stsCalls: string[] = [];
    runtime.ctx.sts.middlewareStack.add(
      (next, context) => async (args) => {
        stsCalls.push(context.commandName ?? "?");
        return next(args);
      },
      { step: "initialize", name: "countStsCalls" },
    );
    try {
      for (let run = 1; run <= 2; run++) {
        const result = await runSweep(runtime, { dryRun: true });
        expect(result).toMatchObject({ ok: true, accountId: e.accountId });
        expect(result.plan?.environments).toEqual([]);
        // The budget adapter needs the account id: it came from the guard's call, not one of its own.
        expect(stsCalls).toEqual(Array.from({ length: run }, () => "GetCallerIdentityCommand"));
      }
    } finally {
      await runtime.destroy();
    }
  });
});
