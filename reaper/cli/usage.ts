import { describeSettings } from "../config/read-settings";

/** The commands, in the order `--help` lists them. */
export const COMMANDS = ["ls", "admit", "extend", "pause", "resume", "release", "checkpoint", "checkpoints", "rollback", "claim", "provisioning", "reap", "audit", "trace", "mcp"] as const;
export type CommandName = (typeof COMMANDS)[number];

const CONFIG_FLAGS = `Configuration flags (every command; each overrides its environment variable):
  --audit-bucket <name>  --allowed-accounts <ids>  --region <region>  --profile <name>
  --endpoint-url <url>  --clusters <names>  --warning-window <duration>  --max-ttl <duration>
  --max-envs-per-run <n>  --notification-topic-arn <arn>  --expiry-schedule-group <name>`;

export const USAGE = `ephemera — short-lived environments that die on time

Usage: ephemera <command> [arguments] [options]

Commands:
  ls                          environments: state, owner, expiry, time left, budget, spend, resources
  admit <env> --owner <who>   the gate before a deploy: refuses past the caps or while provisioning is paused
  extend <env> <duration>     push an environment's expiry out (e.g. ephemera extend pr-123 4h)
  pause <env>                 stop an environment's spending, keeping its data
  resume <env>                the exact reverse of pause
  release <env>               the task is finished: reap the environment now (no warning first)
  checkpoint <env>            snapshot an environment's database as a checkpoint (--name <label>)
  checkpoints <env>           an environment's checkpoints, newest first, and its baseline
  claim <env> --owner <who>   take a warm database from the pool for an environment
  rollback <env> --to <cp>    put an environment's database back to a checkpoint (same endpoint and secret)
  provisioning status|pause|resume
                              whether admit admits new environments; pause or resume that
  reap                        run one sweep of the reaper (--dry-run to only show the plan)
  audit verify                check the hash chain of the audit records
  trace append|show|verify <env>
                              an environment's decision trace: agents append records, anyone checks them
  mcp                         serve these commands to AI agents as MCP tools, on stdin/stdout

Every command takes --json (one JSON document on stdout) and --help.
Exit status: 0 success, 1 something failed or was refused (details on stderr), 2 bad usage or input.

${CONFIG_FLAGS}

Environment variables (shared with the reaper Lambda):
${describeSettings()}`;

export const COMMAND_USAGE: Readonly<Record<CommandName, string>> = {
  ls: `Usage: ephemera ls [--json] [--now <ISO-8601>]

Lists every environment the reaper can see: state, owner, expiry, time left, budget and
spend so far (as AWS Budgets reports it), and resources per kind.
  --json          the listing as JSON (version 1; see docs/cli.md)
  --now <time>    measure time left from this instant instead of now (read-only)
Exit status 1 when a listing failed: the list may then be incomplete.`,
  extend: `Usage: ephemera extend <env> <duration> [--dry-run] [--json]

Writes ephemera:extended-until on every resource of <env>. The new expiry is
max(current expiry, now) + <duration>, capped at now + the max TTL; it never shortens.
The environment's one-shot ephemera-expiry-<env> schedule, if any, is moved with it.
  <duration>      whole units, largest first: 90m, 4h, 1d12h, 1w
  --dry-run       show the new expiry; change nothing
Example: ephemera extend pr-123 4h`,
  pause: `Usage: ephemera pause <env> [--dry-run] [--json]

Scales the environment's workloads and spot node group to zero (sizes remembered),
stops its database and instances, and marks it paused. Audited. Example: ephemera pause pr-123`,
  rollback: `Usage: ephemera rollback <env> --to <checkpoint> [--dry-run] [--json]

Puts the environment's database back to a checkpoint: restores it beside the database,
sets its master password from the environment's credentials secret, swaps the two by
identifier (so the endpoint and the secret the workloads use stay the same), and deletes
the replaced database with a final snapshot that is kept as a label-less checkpoint.
Holds the environment's lease throughout; audited. A rollback that stopped halfway is
resumed by running it again. A paused environment's database is started for the swap
and stopped again at the end.
  --to <checkpoint>  a label, a snapshot identifier, or baseline (the snapshot the
                     database was restored from)
  --dry-run          show the steps; change nothing
Example: ephemera rollback pr-123 --to baseline`,
  resume: `Usage: ephemera resume <env> [--dry-run] [--json]

The exact reverse of pause: database first, workloads last. Audited. Example: ephemera resume pr-123`,
  admit: `Usage: ephemera admit <env> --owner <owner> [--ttl <duration>] [--budget-usd <n>] [--isolation <level>] [--json]

The gate a pipeline or an agent runs before deploying <env>. Admitted (exit 0): deploy.
Refused (exit 1, the reason names the limit and the count) when the account already has
EPHEMERA_MAX_ENVIRONMENTS live environments, or the owner EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER;
when provisioning is paused (ephemera provisioning status); when the ttl is over the max
TTL or the budget over EPHEMERA_MAX_BUDGET_USD; when the isolation level is not in
EPHEMERA_OFFERED_ISOLATION. An environment that is live already (a
redeploy) is admitted whatever the caps. An admission counts for EPHEMERA_ADMISSION_HOLD
until the environment's resources exist. Concurrent admits never go over a cap. Audited.
  --owner <owner>        the environment's ephemera:owner (required): an AWS tag value
  --ttl <duration>       the ttl it will be deployed with (default 8h)
  --budget-usd <n>       the budget it will be deployed with, in USD
  --isolation <level>    the isolation it will be deployed with: none (default), gvisor or kata
Example: ephemera admit pr-123 --owner team@example.com --ttl 8h --budget-usd 25 --json`,
  release: `Usage: ephemera release <env> [--discard-data] [--dry-run] [--json]

The environment's task is finished: it is reaped now, with every rule that still applies
(protection, the account guard, dependency order, the audit trail) but no warning to its
owner first. Its on-expiry still applies: snapshot-delete keeps a final database snapshot.
An environment whose on-expiry is pause (its owner asked for its data to be kept) is
refused (exit 1), the dry run too, unless --discard-data is given.
  --discard-data   release an on-expiry pause environment anyway: databases get a final
                   snapshot, everything else (buckets, volumes, namespaces) is deleted
  --dry-run        show the plan; change nothing
The audit trail records who released it. Example: ephemera release pr-123`,
  checkpoint: `Usage: ephemera checkpoint <env> [--name <label>] [--dry-run] [--json]

Takes a manual snapshot of <env>'s database, tagged as one of its checkpoints: named
ephemera-<env>-<yyyymmddhhmmss>, deleted with the environment, its storage metered.
A paused environment can be checkpointed. Past EPHEMERA_MAX_CHECKPOINTS (default 5;
the baseline not counted) the oldest label-less checkpoint is deleted in the same run;
when every one is labelled the checkpoint is refused (exit 1). Audited.
  --name <label>   a label: 1 to 40 lowercase letters, digits and hyphens, starting with
                   a letter, unique among the environment's checkpoints; "baseline" is
                   reserved for the snapshot the environment was restored from
  --dry-run        show the plan; change nothing
Example: ephemera checkpoint pr-123 --name before-migration`,
  checkpoints: `Usage: ephemera checkpoints <env> [--json]

Lists <env>'s checkpoints, newest first: label, snapshot, time, size, state (with RDS's
progress while creating) and estimated monthly cost (allocated size at the spend meter's
price: an upper bound, as AWS bills snapshot storage incrementally); then its baseline,
the snapshot it was restored from. Read-only. Example: ephemera checkpoints pr-123`,
  provisioning: `Usage: ephemera provisioning status|pause|resume [--reason <text>] [--json]

Whether admit admits new environments. The platform budget's alert, or the spend meter's
total reaching EPHEMERA_PLATFORM_BUDGET_USD, pauses provisioning; running environments keep
their own budgets and TTLs. A pause holds until spend falls back (the meter's), the month
turns (the budget alert's), or an operator resumes. Pause and resume are audited.
  --reason <text>       why (pause, resume), recorded in the audit trail
Example: ephemera provisioning resume --reason "budget raised for the release week"`,
  claim: `Usage: ephemera claim <env> --owner <owner> [--ttl <duration>] [--json]

Takes the oldest warm database of the pool (EPHEMERA_DATABASE_POOL) for <env>, before its
deploy: the database gets a new master password, kept in a credentials secret the claim
creates for the environment, and is tagged the environment's (owner, ttl, created now), audited. Two claims at once never get the same database; claiming again
for the same <env> resumes its claim. With no warm database free the status is "empty":
restore a fresh database instead. Exit status 0 when claimed or empty.
  --owner <owner>      the environment's ephemera:owner (required): an AWS tag value
  --ttl <duration>     the environment's ephemera:ttl (default 8h), at most the max TTL
                       (EPHEMERA_MAX_TTL); a longer one exits 2 and changes nothing
Example: ephemera claim pr-123 --owner team@example.com --json`,
  reap: `Usage: ephemera reap [--dry-run] [--now <ISO-8601>] [--env <id>] [--json]
       ephemera reap --plan-out <file> [--env <id>] [--json]
       ephemera reap --plan <file> | --plan-hash <sha256> [--dry-run] [--json]

One sweep of the reaper, with exactly the Lambda's rules: warn before expiry, reap after,
pause over budget, never touch protected or malformed environments.
  --dry-run                 show the plan; change nothing, write no audit records
  --env <id>                only this environment
  --now <time>              decide as if it were this instant (e.g. 2026-05-01T12:00:00Z)
  --allow-simulated-clock   act on a --now in the future. Without it a future --now needs
                            --dry-run: acting on a clock that runs ahead deletes early.
  --plan-out <file>         decide on the real clock, act on nothing, and write the plan to
                            <file> (- for stdout) for review, stored in the audit bucket
                            under its hash (printed)
  --plan <file>             execute a reviewed plan exactly as reviewed, once: an environment
                            that changed since (tags, status, resources gone or added) is
                            skipped and reported, never decided again. Refused when the plan
                            is older than EPHEMERA_MAX_PLAN_AGE (1h) by S3's clock, from another
                            account, changed since it was written, or executed already.
  --plan-hash <sha256>      the same, for the plan stored in the audit bucket under that hash
Exit status 1 when an environment drifted or an action failed; 2 for a changed plan file.`,
  audit: `Usage: ephemera audit verify [--run <run-id>] [--json]

Checks the hash chain of every run's audit records (or one run's): each record's hash,
its link to the one before, and that the run is closed by a run-summary record.
Exit status 1 when any run does not verify.`,
  trace: `Usage: ephemera trace append <env> [--agent <name>] [--message <text>] [--json]
       ephemera trace show <env> [--since <ISO-8601>] [--json]
       ephemera trace verify <env> [--json]

An environment's decision trace: hash-chained records of what its agents decided, kept
write-once in the audit bucket under traces/<env>/ (see docs/traces.md).
  append     reads JSON lines from stdin, one record each: "time" (an ISO-8601 instant;
             default now), "agent" (required unless --agent), every other field is the
             record's data. Or one record from --message (its data: {"message": …}).
             Checked whole before anything is written (exit 2 names the line). Records
             over 64 KiB are refused. The environment must exist; its own workload role
             may always append, another environment's never.
  show       the records in order, each with its batch's write time (S3's)
  verify     complete (intact, and holding what the reaper sealed at reap or release),
             truncated (intact, but shorter than sealed), broken (names the first bad
             record) or empty. Exit 1 unless complete or empty.
  --agent <name>    the agent of every line that names none
  --message <text>  one record, instead of stdin
  --since <time>    show only records from this instant on
Example: echo '{"agent":"planner","message":"chose blue-green"}' | ephemera trace append pr-123`,
  mcp: `Usage: ephemera mcp [configuration flags]

A Model Context Protocol server on stdin and stdout, for AI agents: each tool runs one
ephemera command with --json, with this process's settings (EPHEMERA_* variables and
the configuration flags given here), account guard, limits and audit (see docs/mcp.md).
Writes nothing but the protocol to stdout; runs until stdin closes.
Register it with an MCP client as the command: ephemera mcp`,
};
