import { execFileSync } from "node:child_process";
import { describe } from "./narrator";

/**
 * What the demo must undo however it ends (success, a failed step, Ctrl-C, SIGTERM):
 * child processes (Terraform, the provider, the emulator), the Kubernetes API double
 * and the temp directory. Cleanup runs once; later calls wait for the same run.
 */
export class Cleanup {
  private readonly tasks: { readonly label: string; readonly run: () => Promise<string | void> | string | void }[] = [];
  private running?: Promise<string[]>;
  /** The signal that interrupted the demo, if one did. */
  interruptedBy?: NodeJS.Signals;

  /** Registers an undo step; they run in reverse order of registration. `run` may return what it did, for the report. */
  add(label: string, run: () => Promise<string | void> | string | void): void {
    this.tasks.push({ label, run });
  }

  /** Runs every undo step (each one even if another fails) and returns a line per step. */
  run(): Promise<string[]> {
    this.running ??= (async () => {
      const report: string[] = [];
      for (const task of [...this.tasks].reverse()) {
        try {
          const done = await task.run();
          report.push(done || task.label);
        } catch (err) {
          report.push(`FAILED: ${task.label}: ${describe(err)}`);
        }
      }
      return report;
    })();
    return this.running;
  }

  /**
   * On SIGINT (Ctrl-C), SIGTERM or SIGHUP: clean up, print what was done, and exit with
   * 128 + the signal's number. A second signal while cleaning up is ignored: cleanup is
   * bounded (every process gets SIGKILL after a few seconds).
   */
  installSignalHandlers(print: (line: string) => void, onInterrupt: () => void = () => undefined): void {
    const codes: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
    for (const signal of Object.keys(codes) as NodeJS.Signals[]) {
      process.on(signal, () => {
        if (this.interruptedBy !== undefined) return;
        this.interruptedBy = signal;
        onInterrupt();
        print(`\nInterrupted (${signal}): stopping everything the demo started…`);
        void this.run().then((report) => {
          for (const line of report) print(`  - ${line}`);
          print(`Demo interrupted by ${signal}; nothing is left running.`);
          process.exit(codes[signal]);
        });
      });
    }
  }
}

/** Every process below this one (children first found, then theirs), by pid. */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")
      .filter(Boolean)
      .map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * SIGTERM to every process below this one (a Terraform still running after a failed or
 * interrupted step, and its provider), then SIGKILL to any still there after 5 s.
 * Returns how many there were.
 */
export async function stopChildProcesses(): Promise<number> {
  const pids = descendants(process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 5_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return pids.length;
}
