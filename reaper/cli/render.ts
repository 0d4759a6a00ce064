import type { ActionOutcome, ActResult } from "../action/act";
import { formatDuration } from "../model";
import { money } from "../decision/budget-standing";
import type { EnvironmentListing } from "../operations/list-environments";
import type { PlanNote } from "../contracts/plan";

/** `4h12m`, `<1m`, `expired 2h5m ago`, `unknown`: whole minutes, rounded towards zero. */
export function formatTimeLeft(seconds: number | null): string {
  if (seconds === null) return "unknown";
  const minutes = Math.floor(Math.abs(seconds) / 60);
  const text = minutes === 0 ? "<1m" : formatDuration(minutes * 60_000);
  return seconds >= 0 ? text : `expired ${text} ago`;
}

export function formatUsd(value: number | null): string {
  return value === null ? "-" : `$${value.toFixed(2)}`;
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  return rows.map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  ").trimEnd()).join("\n");
}

/** `ephemera ls` for a person. */
export function renderListing(listing: EnvironmentListing): string {
  const pools = listing.pools.map(
    (p) =>
      `Pool ${p.pool}: ${p.warm} warm${p.size === null ? "" : ` of ${p.size}`}, ${p.restoring} restoring` +
      `${p.oldestRestoredAt === null ? "" : `, oldest restored ${p.oldestRestoredAt}`}`,
  );
  const withPools = (text: string) => [text, ...(pools.length > 0 ? ["", ...pools] : [])].join("\n");
  if (listing.environments.length === 0) {
    // An empty list from failed listings is not "none": say what is known.
    if (!listing.complete) return withPools("No environment could be listed: listings failed (see below), so whether any exist is unknown.");
    return withPools("No environments found.");
  }
  const rows = [["ENV", "STATE", "OWNER", "EXPIRES (UTC)", "LEFT", "BUDGET", "BUDGETS SAY", "ESTIMATE", "BURN/H", "RESOURCES"]];
  const problems: string[] = [];
  for (const e of listing.environments) {
    rows.push([
      e.env,
      e.state,
      e.owner ?? "-",
      e.expiresAt ?? "unknown",
      e.protected ? "never (protected)" : formatTimeLeft(e.secondsLeft),
      formatUsd(e.budgetUsd),
      formatUsd(e.spendUsd),
      e.spendBasis === "unknown" ? "unknown" : e.estimatedSpendUsd === null ? "-" : `$${money(e.estimatedSpendUsd)}`,
      e.burnUsdPerHour === null ? "-" : `$${money(e.burnUsdPerHour)}`,
      Object.entries(e.resources)
        .map(([kind, n]) => `${kind} ${n}`)
        .join(", "),
    ]);
    if (e.expiryProblem !== null) problems.push(`${e.env}: expiry unknown (${e.expiryProblem}); the reaper never reaps it on a guess, but pauses it over budget`);
  }
  return withPools([table(rows), ...(problems.length > 0 ? ["", ...problems] : [])].join("\n"));
}

export function renderNote(note: PlanNote): string {
  const where = [note.env, note.resource ? `${note.resource.kind} ${note.resource.id}` : undefined].filter(Boolean).join(" ");
  return `[${note.level}] ${note.code}${where ? ` ${where}` : ""}: ${note.message}`;
}

/** One line per action: what, on what, and how it ended (with the API's code on failure). */
export function renderActions(actions: readonly ActionOutcome[]): string[] {
  return actions.map((a) => {
    const detail = a.outcome === "done" ? "" : ` (${[a.code, a.message].filter(Boolean).join(": ")})`;
    return `  ${a.action} ${a.target.kind} ${a.target.id}: ${a.outcome}${detail === " ()" ? "" : detail}`;
  });
}

/** An acting run for a person: each environment's outcome, then its actions. */
export function renderRun(result: Pick<ActResult, "runId" | "environments" | "actions">): string {
  const lines = ["", `Run ${result.runId}:`];
  for (const e of result.environments) {
    lines.push(`${e.env}: ${e.intent} ${e.status}${e.failedStep ? ` (step ${e.failedStep} failed)` : ""}`);
    lines.push(...renderActions(result.actions.filter((a) => a.env === e.env)));
  }
  return lines.join("\n");
}

/** An operator command's `--json` document: its result, with the plan only on a dry run (where the plan is the answer). */
export function printResultJson(c: { readonly io: { stdout(text: string): void } }, result: { readonly status: string; readonly plan?: unknown }): void {
  const { plan: _plan, ...rest } = result;
  c.io.stdout(JSON.stringify(result.status === "dry-run" ? result : rest, null, 2));
}

/** The engine names its config field; a person at a shell needs the variable and flag that set it. */
export function withSettingHints(message: string): string {
  const refused = /account (\d{12}) is not in allowedAccounts/.exec(message);
  return refused === null ? message : `${message}. To act in this account, add ${refused[1]} to EPHEMERA_ALLOWED_ACCOUNTS (or --allowed-accounts)`;
}
