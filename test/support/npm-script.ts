/**
 * An npm script run as a person or CI runs it (`npm run <script>`, through npm, so
 * package.json's script line is what runs), in its own process group as a terminal would
 * start it; and what the demos' tests check of what it left running.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { REPO_ROOT } from "../../harness/paths";

export interface ScriptRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly pgid: number;
  readonly ms: number;
}

/** Starts `npm run <script>` with `env` added to this process's environment; stdout and stderr are collected together. */
export function startNpmScript(script: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<ScriptRun>; output: () => string } {
  const npm = process.env.npm_execpath;
  const [command, args] = npm && /\.[cm]?js$/.test(npm) ? [process.execPath, [npm, "run", script]] : ["npm", ["run", script]];
  const started = Date.now();
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const chunks: string[] = [];
  child.stdout!.on("data", (c: Buffer) => chunks.push(c.toString()));
  child.stderr!.on("data", (c: Buffer) => chunks.push(c.toString()));
  const done = new Promise<ScriptRun>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, output: chunks.join(""), pgid: child.pid!, ms: Date.now() - started }));
  });
  return { child, done, output: () => chunks.join("") };
}

/** Whether any process of the group is still alive, waiting up to `ms` for the last ones to go. */
export async function groupAlive(pgid: number, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return false; // ESRCH: no process left in the group
    }
    if (Date.now() > deadline) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Kills whatever a failed assertion left running, so a broken demo never outlives the test. */
export function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // already gone
  }
}
