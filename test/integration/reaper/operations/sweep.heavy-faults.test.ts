import { useEmulator } from "../../../../harness/emulator";
import type { FaultProxy } from "../../../../harness/fault-proxy";
import { convergesUnderFaults } from "../fault-account";

/**
 * One AWS call in two fails (../fault-account.ts), and the first run loses the audit bucket
 * after its run-start. A file of its own: it takes minutes (the SDK's adaptive retry slows
 * each client down under throttling), and jest runs it beside the other files.
 */
const emulator = useEmulator();
let proxy: FaultProxy | undefined;
afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

test("at 50 % faults, the audit bucket lost mid-run: converges within 8 sweeps, no wrong action, every deletion audited before, audit verify exits 0 with the stopped run closed", () =>
  convergesUnderFaults(emulator(), { rate: 0.5, seed: 50, maxSweeps: 8, auditOutage: true }, (p) => (proxy = p)), 900_000);
