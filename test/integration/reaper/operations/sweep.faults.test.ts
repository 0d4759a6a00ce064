import { runSweep } from "../../../../reaper/operations/run-sweep";
import { useEmulator } from "../../../../harness/emulator";
import { type FaultProxy, faultRates, startFaultProxy } from "../../../../harness/fault-proxy";
import { auditVerify, convergesUnderFaults, deliveredWarnings, EXPIRED, reaperThrough, seedAccount, SOON } from "../fault-account";

/** The reaper through a proxy that fails a share of its AWS requests (../fault-account.ts); 50 % is in sweep.heavy-faults.test.ts. */
const emulator = useEmulator();

describe("sweeps under injected faults", () => {
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  test("at 20 % faults: converges within 3 sweeps, no wrong action, every deletion audited before, audit verify exits 0", () =>
    convergesUnderFaults(emulator(), { rate: 0.2, seed: 20, maxSweeps: 3, auditOutage: false }, (p) => (proxy = p)), 600_000);

  test.each([
    { rate: 0, seed: 3 },
    { rate: 0.2, seed: 33 },
  ])(
    "three concurrent sweeps at $rate faults warn each owner once (plus one per warning whose own answer was lost)",
    async ({ rate, seed }) => {
      const account = await seedAccount(emulator());
      proxy = await startFaultProxy({ target: account.e.endpoint, seed, rates: faultRates(rate) });
      const runtimes = [0, 1, 2].map(() => reaperThrough(account, proxy!));
      const results = await Promise.all(runtimes.map((runtime) => runSweep(runtime)));
      const delivered = await deliveredWarnings(account);
      // A Publish carried out whose answer was lost is retried by the SDK: the owner gets it twice, and nothing can tell.
      const lostPublishes = new Map<string, number>();
      for (const r of proxy.requests.filter((q) => q.action === "Publish" && q.fault === "lost-answer")) {
        const env = /pr-soon-\d/.exec(decodeURIComponent(r.body ?? ""))?.[0] ?? "?";
        lostPublishes.set(env, (lostPublishes.get(env) ?? 0) + 1);
      }
      console.log(
        `three concurrent sweeps at ${rate * 100} % faults: warnings delivered ${JSON.stringify(Object.fromEntries(delivered))}, lost Publish answers ${JSON.stringify(Object.fromEntries(lostPublishes))}; environments per run: ${results
          .map((r) => JSON.stringify(r.result?.environments.map((e) => `${e.env}:${e.status}`) ?? r.error))
          .join(" ")}`,
      );
      for (const env of SOON) expect(delivered.get(env) ?? 0).toBe(1 + (lostPublishes.get(env) ?? 0));
      expect([...delivered.keys()].sort()).toEqual(SOON);
      // Each environment was acted on by one run; the others left it alone.
      for (const env of [...EXPIRED, ...SOON]) {
        const actedBy = results.filter((r) => r.result?.actions.some((a) => a.env === env && a.outcome !== "deferred" && a.outcome !== "skipped"));
        expect(actedBy.length).toBeLessThanOrEqual(1);
      }
      // Three runs that started together name the same run before them, and all verify.
      const verify = await auditVerify(account, new Date(Date.now() + 30_000));
      expect(verify.code).toBe(0);
      const [, runs, verified] = /(\d+) run\(s\): (\d+) verified, 0 broken/.exec(verify.out) ?? [];
      expect(Number(runs)).toBeGreaterThanOrEqual(3);
      expect(verified).toBe(runs);
    },
    600_000,
  );
});
