import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { EXIT } from "../../contracts/cli-io";
import { describeDrift } from "../../decision/plan-drift";
import { renderPlan } from "../../decision/render-plan";
import { planToRun, readPlanFile, type ReapPlanFile } from "../../decision/reviewed-plan";
import { formatDuration, SETTINGS } from "../../model";
import { executeReapPlan, type PlanExecution, type PlanRefusal, storedReapPlan } from "../../operations/execute-reap-plan";
import { makeReapPlan } from "../../operations/make-reap-plan";
import { describeError } from "../../support/outcomes";
import type { CommandContext } from "../command-context";
import { type Command, UsageError } from "../parse-command";
import { renderRun, withSettingHints } from "../render";

type Reap = Extract<Command, { name: "reap" }>;

/**
 * `ephemera reap --plan-out <file>`: a dry run's decisions on the real clock, written as a
 * reviewed plan (`-`: stdout) and stored in the audit bucket under its hash. Acts on nothing.
 */
export async function reapPlanOutCommand(c: CommandContext, command: Reap & { planOut: string }): Promise<number> {
  c.progress(`Discovering${command.env === undefined ? "" : ` ${command.env}`}…`);
  const made = await makeReapPlan(c.runtime(), {
    clock: c.clock,
    ...(command.env === undefined ? {} : { envs: [command.env] }),
    ...(c.adapters === undefined ? {} : { adapters: c.adapters }),
    onDiscovered: (inventory) => c.progress(`Found ${inventory.resources.length} resources; deciding…`),
  });
  if (!made.ok) {
    if (command.json) c.io.stdout(JSON.stringify({ ok: false, dryRun: true, ...(made.sweep.accountId === undefined ? {} : { accountId: made.sweep.accountId }), error: made.error }, null, 2));
    c.io.stderr(`ephemera: ${withSettingHints(made.error)}`);
    return EXIT.failed;
  }
  const { file } = made;
  const toStdout = command.planOut === "-";
  if (!toStdout) writeAtomically(command.planOut, planFileText(file));
  const maxAge = formatDuration(c.settings.maxPlanAgeMs);
  if (command.json) {
    c.io.stdout(JSON.stringify({ ok: true, dryRun: true, accountId: file.plan.accountId, decidedAt: file.plan.decidedAt, planHash: file.hash, planFile: toStdout ? null : command.planOut, reviewed: file, environments: summary(file) }, null, 2));
    return EXIT.ok;
  }
  const said = [
    renderPlan(planToRun(file.plan)),
    "",
    `Plan ${file.hash}`,
    `${toStdout ? "written to stdout" : `written to ${command.planOut}`} and stored at s3://${file.plan.auditBucket}/plans/${file.hash}.json.`,
    `Nothing was changed. Review it, then within ${maxAge} (${SETTINGS.maxPlanAge.env}): ephemera reap --plan ${toStdout ? "<file>" : command.planOut}`,
  ].join("\n");
  if (toStdout) {
    c.io.stdout(planFileText(file));
    c.io.stderr(said);
  } else c.io.stdout(said);
  return EXIT.ok;
}

/** `ephemera reap --plan <file>` and `--plan-hash <sha256>`: the reviewed plan, executed as reviewed (or, dry, checked). */
export async function reapPlanCommand(c: CommandContext, command: Reap & { reviewed: { file: string } | { hash: string } }): Promise<number> {
  const read = "file" in command.reviewed ? readPlanFile(readText(command.reviewed.file), command.reviewed.file) : await storedReapPlan(c.runtime(), command.reviewed.hash);
  if (!read.ok) {
    if ("missing" in read) return printRefusal(c, command, { status: "refused", ok: false, code: "not-stored", message: read.problem, planHash: (command.reviewed as { hash: string }).hash });
    throw new UsageError(read.problem, "reap");
  }
  c.progress(`Checking plan ${read.file.hash}…`);
  const outcome = await executeReapPlan(c.runtime(), { file: read.file, dryRun: c.settings.dryRun, clock: c.clock, ...(c.adapters === undefined ? {} : { adapters: c.adapters }) });
  if (outcome.status === "refused") return printRefusal(c, command, outcome);
  if (command.json) c.io.stdout(JSON.stringify(executionDocument(outcome), null, 2));
  else printExecution(c, outcome);
  return outcome.ok ? EXIT.ok : EXIT.failed;
}

function printRefusal(c: CommandContext, command: Reap, refusal: PlanRefusal): number {
  if (command.json) c.io.stdout(JSON.stringify(refusal, null, 2));
  c.io.stderr(`ephemera: ${withSettingHints(refusal.message)}`);
  return EXIT.failed;
}

/** The `--json` document of an execution: like `reap`'s, with the plan's hash and what drifted. */
function executionDocument(outcome: PlanExecution) {
  return {
    runId: outcome.runId,
    ok: outcome.ok,
    status: outcome.status,
    dryRun: outcome.status === "dry-run",
    accountId: outcome.accountId,
    planHash: outcome.planHash,
    decidedAt: outcome.decidedAt,
    planAgeSeconds: Math.floor(outcome.ageMs / 1000),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    plan: outcome.plan,
    skipped: outcome.skipped.map((s) => ({ ...s, changes: s.drift.map(describeDrift) })),
    environments: outcome.result?.environments ?? [],
    actions: outcome.result?.actions ?? [],
    auditErrors: outcome.result?.auditErrors ?? [],
    ...(outcome.result?.error === undefined ? {} : { runError: outcome.result.error }),
  };
}

function printExecution(c: CommandContext, outcome: PlanExecution): void {
  const lines = [renderPlan(outcome.plan)];
  for (const s of outcome.skipped) {
    lines.push("", `${s.env}: ${s.intent} skipped: it drifted since the plan was made (never re-decided; the next sweep or a new plan decides it again)`);
    lines.push(...s.drift.map((d) => `  ${describeDrift(d)}`));
  }
  if (outcome.status === "dry-run") lines.push("", `Dry run of plan ${outcome.planHash}: nothing was changed, the plan was not claimed and no audit records were written.`);
  else if (outcome.result !== undefined && outcome.plan.environments.length > 0) lines.push(renderRun(outcome.result));
  else if (outcome.result !== undefined) lines.push("", `Run ${outcome.runId}: nothing of plan ${outcome.planHash} was executed.`);
  c.io.stdout(lines.join("\n"));
  for (const e of [outcome.error, outcome.result?.error, ...(outcome.result?.auditErrors ?? [])]) if (e !== undefined) c.io.stderr(`ephemera: ${e}`);
}

function summary(file: ReapPlanFile) {
  return file.plan.environments.map((e) => ({ env: e.env, intent: e.intent, reason: e.reason, actions: e.phases.reduce((n, p) => n + p.actions.length, 0) }));
}

/** The plan file: the document indented for review; the hash is of the plan's canonical JSON, so layout does not matter. */
function planFileText(file: ReapPlanFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`--plan ${path} cannot be read (${describeError(err)}); give the file ephemera reap --plan-out wrote`, "reap");
  }
}

/** Written whole or not at all: a reviewer never reads half a plan. */
function writeAtomically(path: string, text: string): void {
  const partial = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(partial, text);
    renameSync(partial, path);
  } catch (err) {
    throw new UsageError(`--plan-out ${path} cannot be written (${describeError(err)}); the plan is stored in the audit bucket all the same`, "reap");
  }
}
