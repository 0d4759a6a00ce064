import type { Plan, PlannedAction } from "../contracts/plan";
import { TAG } from "../model";

/** The plan as a person reads it: what happens to which environment, in order, and what was left alone and why. */
export function renderPlan(plan: Plan): string {
  const lines: string[] = [];
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  lines.push(
    `Plan at ${plan.createdAt}: ${count(plan.environments.length, "environment")} to act on, ` +
      `${plan.deferred.length} deferred, ${count(plan.notes.length, "note")}`,
  );
  for (const env of plan.environments) {
    lines.push("");
    const expiry = env.expiresAt === undefined ? "" : `, expires ${env.expiresAt}`;
    const onExpiry = env.onExpiry === undefined ? "" : `, on-expiry ${env.onExpiry}`;
    lines.push(`${env.env}: ${env.intent}${expiry}${onExpiry}`);
    lines.push(`  because ${env.reason}`);
    env.phases.forEach((phase, index) => {
      lines.push(`  ${index + 1}. ${phase.name}`);
      for (const action of phase.actions) lines.push(`     - ${describeAction(action)}`);
    });
  }
  if (plan.deferred.length > 0) {
    lines.push("", "Deferred (blast-radius cap):");
    for (const d of plan.deferred) lines.push(`  ${d.env}: ${d.intent}${d.expiresAt ? `, expires ${d.expiresAt}` : ""}`);
  }
  if (plan.notes.length > 0) {
    lines.push("", "Notes:");
    for (const note of plan.notes) {
      const where = [note.env, note.resource ? `${note.resource.kind} ${note.resource.id}` : undefined].filter(Boolean).join(" ");
      lines.push(`  [${note.level}] ${note.code}${where ? ` ${where}` : ""}: ${note.message}`);
    }
  }
  if (plan.environments.length === 0) lines.push("", "Nothing to do.");
  return lines.join("\n");
}

function describeAction(action: PlannedAction): string {
  switch (action.type) {
    case "notify":
      return `notify ${action.owner} via ${action.topicArn}: "${action.subject}"`;
    case "tag":
      return `tag ${action.resource.kind} ${action.resource.id} ${Object.entries(action.tags).map(([k, v]) => `${k}=${v}`).join(" ")}`;
    case "delete":
      return `delete ${action.resource.kind} ${action.resource.id}${action.finalSnapshotName ? ` (final snapshot ${action.finalSnapshotName})` : ""}`;
    case "pause":
    case "resume":
    case "rotate-credentials":
      return `${action.type} ${action.resource.kind} ${action.resource.id}`;
    case "restore":
      return `restore ${action.resource.kind} ${action.resource.id} from ${action.from.snapshot} as ${action.from.instanceClass}`;
    case "checkpoint":
      return `checkpoint ${action.resource.kind} ${action.resource.id} as snapshot ${action.snapshot}${action.tags[TAG.checkpoint] ? ` (label ${action.tags[TAG.checkpoint]})` : ""}`;
    case "restore-checkpoint":
      return `restore ${action.resource.kind} ${action.resource.id} from checkpoint ${action.from.snapshot}, and wait until it is available`;
    case "rename":
      return `rename ${action.resource.kind} ${action.resource.id} to ${action.to}`;
    case "set-password":
      return `set the master password of ${action.resource.kind} ${action.resource.id} from ${action.secretArn}`;
  }
}
