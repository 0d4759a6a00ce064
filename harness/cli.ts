import { EMULATOR_CREDENTIALS } from "./emulator";
import { runCli } from "../reaper/cli/run-cli";

/** One `ephemera` command, run in-process against the emulator. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RunOptions {
  readonly isTTY?: boolean;
  /** What is piped to the command. @default - nothing (as from a terminal) */
  readonly stdin?: string;
  /** Whose credentials it runs with. @default the emulator's root credentials */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
}

/** Runs `ephemera <argv>` with `env` as its environment and the emulator's credentials; stdout and stderr are collected. */
export async function runEphemera(argv: readonly string[], env: Record<string, string>, options: RunOptions = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { stdin } = options;
  const io = { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTTY: options.isTTY ?? false, ...(stdin === undefined ? {} : { stdin: async () => stdin }) };
  const code = await runCli(argv, io, { env, runtime: { credentials: options.credentials ?? EMULATOR_CREDENTIALS } });
  const text = out.join("\n");
  return { code, out: text, err: err.join("\n"), json: <T>() => JSON.parse(text) as T };
}
