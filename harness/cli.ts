import { EMULATOR_CREDENTIALS } from "./emulator";
import { runCli } from "../reaper/cli/run-cli";

/** One `ephemera` command, run in-process against the emulator. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  json<T = Record<string, unknown>>(): T;
}

/** Runs `ephemera <argv>` with `env` as its environment and the emulator's credentials; stdout and stderr are collected. */
export async function runEphemera(argv: readonly string[], env: Record<string, string>, options: { readonly isTTY?: boolean } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: options.isTTY ?? false }, { env, runtime: { credentials: EMULATOR_CREDENTIALS } });
  const text = out.join("\n");
  return { code, out: text, err: err.join("\n"), json: <T>() => JSON.parse(text) as T };
}
