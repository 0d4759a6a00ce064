/** What `ephemera` prints until its commands exist; it never pretends a command ran. */
export const USAGE = `ephemera — ephemeral environments that die on time

Usage: ephemera <command> [options]

Commands (not implemented yet in this version; each exits with status 2):
  ls                         list environments, their state, expiry and spend
  extend <env> <duration>    push an environment's expiry out
  pause <env> | resume <env> stop or restart an environment's spending
  reap [--dry-run]           run one sweep of the reaper
  audit verify               check the hash chain of the audit records

See README.md for status.`;

/** Runs the CLI; returns the process exit code (0 ok, 2 bad usage or not implemented). */
export function runCli(argv: readonly string[], out: (line: string) => void, err: (line: string) => void): number {
  const [command] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    out(USAGE);
    return 0;
  }
  err(`ephemera: "${command}" is not implemented yet in this version; nothing was done.\n\n${USAGE}`);
  return 2;
}
