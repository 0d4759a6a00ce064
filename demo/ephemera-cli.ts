import { EMULATOR_CREDENTIALS } from "../harness/emulator";
import { runCli } from "../reaper/cli/run-cli";
import type { ReaperRuntimeOptions } from "../reaper/runtime/reaper-runtime";
import type { Narrator } from "./narrator";

/** One `ephemera` command as an operator types it; an exit status other than `expect` (default 0) fails the step. */
export interface Cli {
  (argv: string[], options?: { expect?: number; quiet?: boolean }): Promise<{ code: number; out: string; err: string }>;
}

/** runCli in-process against the emulator, printing the command and its output (unless quiet). */
export function cliIn(narrator: Narrator, settings: Record<string, string>, runtime: Omit<ReaperRuntimeOptions, "credentials"> = {}): Cli {
  return async (argv, options = {}) => {
    if (!options.quiet) narrator.command(`ephemera ${argv.join(" ")}`);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      argv,
      { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false },
      { env: settings, runtime: { credentials: EMULATOR_CREDENTIALS, ...runtime } },
    );
    const result = { code, out: out.join("\n"), err: err.join("\n") };
    if (!options.quiet) {
      narrator.show(result.out);
      narrator.show(result.err);
    }
    const expected = options.expect ?? 0;
    if (code !== expected) throw new Error(`ephemera ${argv.join(" ")} exited ${code} (expected ${expected})${result.err ? `: ${result.err}` : ""}`);
    return result;
  };
}
