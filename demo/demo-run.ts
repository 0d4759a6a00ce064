/**
 * What every demo does around its steps: one temp directory for all its files, cleanup on
 * exit or on a signal, the step-timing table at the end, and the exit status (0 when every
 * step succeeded, 1 with the failed step and its reason, 128 + n on a signal).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Cleanup, stopChildProcesses } from "./cleanup";
import { describe, Narrator, seconds, StepFailure } from "./narrator";

/** Every temp file of a demo (Terraform workspaces, synth output, the emulator's) goes under one directory, removed at cleanup. */
export function makeTempRoot(cleanup: Cleanup, prefix = "ephemera-demo-"): string {
  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.env.TMPDIR = tempRoot;
  cleanup.add(`removed the temp directory ${tempRoot}`, () => fs.rmSync(tempRoot, { recursive: true, force: true }));
  return tempRoot;
}

/** Stops any child process left behind at the end (Terraform, its provider, an MCP server), and cleans up on SIGINT, SIGTERM or SIGHUP. */
export function cleanUpOnExitOrSignal(cleanup: Cleanup, narrator: Narrator): void {
  cleanup.add("no Terraform process was left running", async () => {
    const stopped = await stopChildProcesses();
    return stopped > 0 ? `stopped ${stopped} process(es) still running (Terraform, its provider)` : undefined;
  });
  cleanup.installSignalHandlers(
    (line) => narrator.line(line),
    () => (narrator.quiet = true),
  );
}

/** The table of the steps' wall times, printed at the end. */
export function printStepTimings(narrator: Narrator): void {
  narrator.line("");
  narrator.line("Timings:");
  narrator.show(narrator.timings.map((t) => `${String(t.step).padStart(2)}. ${t.title.padEnd(72)} ${seconds(t.ms).padStart(7)}`).join("\n"));
  narrator.line("");
}

/**
 * Runs a demo's main and exits: 0 when it resolved; on a failure, cleans up, names the
 * step and the reason's first line, and exits 1. A signal's handler is already cleaning
 * up and exits with its own status.
 */
export function runDemo(main: () => Promise<void>, { narrator, cleanup }: { readonly narrator: Narrator; readonly cleanup: Cleanup }): void {
  main().then(
    () => process.exit(0),
    async (err: unknown) => {
      if (cleanup.interruptedBy !== undefined) return;
      narrator.line("");
      narrator.line("Cleaning up after the failure:");
      for (const line of await cleanup.run()) narrator.show(line);
      // The step printed the whole reason; the last line names the step and the reason's first line.
      const where = err instanceof StepFailure ? ` at step ${err.step}/${narrator.total} (${err.title})` : "";
      if (!(err instanceof StepFailure) && err instanceof Error && err.stack) narrator.show(err.stack);
      const reason = describe(err instanceof StepFailure ? err.cause : err).split("\n")[0];
      narrator.line(`Demo FAILED${where}: ${reason}`);
      process.exit(1);
    },
  );
}
