import { compareText, type EnvironmentView, groupEnvironments, ownersOf } from "./group-environments";
import type { DiscoveredResource, Inventory } from "../kinds/kind-adapter";
import { expiryOf, finalSnapshotName, formatInstant, isProtected, isSnsTopicArn, type OnExpiry, safestOnExpiry, TAG, tryParseEnvId, tryParseOnExpiry } from "../model";
import {
  DESTRUCTIVE_ACTIONS,
  type DeferredEnvironment,
  type EnvironmentPlan,
  type NotifyAction,
  type Plan,
  type PlanNote,
  type PlanPhase,
} from "./plan";
import { deletePhases, holdsData, isPhase, isRestartedWhilePaused, markPhase, pausePhases, pausePlanPhases, stateOf, warnPhase } from "./phases";
import type { ReaperConfig } from "../runtime/reaper-config";
import type { EnvSpend } from "../spend/meter";
import { budgetStanding, money } from "./budget-standing";

export type DecideConfig = Pick<
  ReaperConfig,
  "auditBucket" | "warningWindowMs" | "maxEnvironmentsPerRun" | "notificationTopicArn" | "maxTtlMs"
>;

export interface DecideInput {
  readonly inventory: Inventory;
  readonly now: Date;
  readonly config: DecideConfig;
  /** Environments named by a budget alert since the last run: paused like any over-budget environment. */
  readonly budgetAlerts?: readonly string[];
  /** The spend meter's estimate per environment at `now` (reaper/spend). @default - none: Budgets' figures alone */
  readonly spend?: Readonly<Record<string, EnvSpend>>;
  /** What the meter has to say (an unreachable price list, an unpriced resource), added to the plan's notes. */
  readonly spendNotes?: readonly PlanNote[];
}

/**
 * The reaper's policy: a pure function of what discovery saw, the clock, budget facts
 * and config. No action without `managed-by`, a valid env id, a known expiry and a
 * well-formed on-expiry; nothing for a protected environment; nothing destructive
 * for an environment a listing failure may hide, or before its owner was warned,
 * or before its expiry; over budget pauses and never deletes.
 */
export function decide(input: DecideInput): Plan {
  const { inventory, now, config } = input;
  const grouped = groupEnvironments(inventory, config.auditBucket);
  const notes: PlanNote[] = [...grouped.notes, ...(input.spendNotes ?? [])];

  const alerts = new Set<string>();
  for (const env of new Set(input.budgetAlerts ?? [])) {
    const parsed = tryParseEnvId(env, { field: "budget alert env" });
    if (!parsed.ok) {
      notes.push({ level: "warning", code: "budget-alert-unknown-env", message: `${parsed.error.message}; ignored` });
    } else if (!grouped.environments.some((e) => e.env === env)) {
      notes.push({
        level: "warning",
        code: "budget-alert-unknown-env",
        env,
        message: "a budget alert names this environment, but discovery found none of its resources",
      });
    } else {
      alerts.add(env);
    }
  }

  const candidates: EnvironmentPlan[] = [];
  for (const view of grouped.environments) {
    const decision = decideEnvironment(view, now, config, alerts.has(view.env), input.spend?.[view.env]);
    notes.push(...decision.notes);
    if (decision.plan !== undefined) candidates.push(decision.plan);
  }
  candidates.sort(
    (a, b) => compareText(a.expiresAt ?? "~", b.expiresAt ?? "~") || compareText(a.env, b.env),
  );

  const environments: EnvironmentPlan[] = [];
  const deferred: DeferredEnvironment[] = [];
  let destructive = 0;
  for (const plan of candidates) {
    if (!isDestructive(plan)) {
      environments.push(plan);
    } else if (destructive < config.maxEnvironmentsPerRun) {
      destructive += 1;
      environments.push(plan);
    } else {
      const reason = `blast-radius cap: at most ${config.maxEnvironmentsPerRun} environments get destructive actions per run`;
      deferred.push({ env: plan.env, intent: plan.intent, ...(plan.expiresAt === undefined ? {} : { expiresAt: plan.expiresAt }), reason });
      notes.push({ level: "warning", code: "deferred", env: plan.env, message: `${plan.intent} deferred to a later run (${reason})` });
    }
  }

  return { version: 1, createdAt: now.toISOString(), environments, deferred, notes: sortNotes(notes) };
}

/** True when any action in the plan deletes or pauses; those count against the blast-radius cap. */
export function isDestructive(plan: EnvironmentPlan): boolean {
  return plan.phases.some((phase) => phase.actions.some((action) => DESTRUCTIVE_ACTIONS.has(action.type)));
}

interface Decision {
  readonly plan?: EnvironmentPlan;
  readonly notes: readonly PlanNote[];
}

function decideEnvironment(view: EnvironmentView, now: Date, config: DecideConfig, alerted: boolean, spend: EnvSpend | undefined): Decision {
  const { env, resources } = view;
  const notes: PlanNote[] = [];
  const note = (level: PlanNote["level"], code: PlanNote["code"], message: string, resource?: DiscoveredResource) =>
    notes.push({ level, code, env, ...(resource ? { resource: { kind: resource.kind, id: resource.id } } : {}), message });

  const guard = protectedResource(resources);
  if (guard !== undefined) {
    note("info", "protected", `${TAG.protect} on this resource protects the whole environment; no action`, guard);
    return { notes };
  }

  const expiry = expiryOf(resources.map((r) => r.tags), { maxTtl: config.maxTtlMs });
  if (!expiry.known) {
    const culprit = resources.find((r) => !expiryOf([r.tags], { maxTtl: config.maxTtlMs }).known);
    const own = culprit === undefined ? undefined : expiryOf([culprit.tags], { maxTtl: config.maxTtlMs });
    const why = own !== undefined && !own.known ? own.reason.replace(/^resource 0: /, "") : expiry.reason;
    note("warning", "unknown-expiry", `expiry unknown (${why}); no action`, culprit);
    return { notes };
  }

  const onExpiry = resolveOnExpiry(resources);
  if (!onExpiry.ok) {
    note("warning", "malformed-on-expiry", `${onExpiry.message}; no action`, onExpiry.resource);
    return { notes };
  }
  if (onExpiry.conflict !== undefined) {
    note("warning", "conflicting-on-expiry", `resources disagree on ${TAG.onExpiry} (${onExpiry.conflict}); using the safest, "${onExpiry.value}"`);
  }

  const expiresAt = expiry.expiresAt;
  const expiresText = formatInstant(expiresAt);
  const base = { env, expiresAt: expiresText, onExpiry: onExpiry.value } as const;
  const blocked = view.failures.length > 0;
  const blockedWhy = () =>
    `a listing failed (${view.failures.map((f) => `${f.kind} in ${f.scope}${f.code ? `: ${f.code}` : ""}`).join("; ")}), ` +
    "so resources of this environment may be unseen; no destructive action this run";
  const destructive = (plan: EnvironmentPlan): Decision => {
    if (!blocked) return { plan, notes };
    note("warning", "fail-closed", `${plan.intent} withheld: ${blockedWhy()}`);
    return { notes };
  };

  const states = resources.map(stateOf);
  const notified = states.some((s) => s === "expiring" || s === "reaping");
  const allPaused = states.every((s) => s === "paused");
  const expired = now.getTime() >= expiresAt.getTime();
  const inWindow = now.getTime() >= expiresAt.getTime() - config.warningWindowMs;
  const owner = ownerOf(resources);
  const topic = notificationTopic(resources, config);
  /** The owner's notification, or undefined when there is no topic to send it to. */
  const tellOwner = (subject: string, message: string, reason: string): PlanPhase | undefined =>
    topic === undefined ? undefined : notifyPhase({ topicArn: topic, owner, subject, message, reason });
  const restop = (): Decision => {
    const restarted = resources.filter(isRestartedWhilePaused);
    if (restarted.length === 0) return { notes };
    const reason = "paused, but AWS restarted the database (it does after 7 days stopped): stop it again";
    return destructive({ ...base, intent: "restop", reason, phases: pausePhases(restarted, reason) });
  };

  const standing = budgetStanding(resources, spend, now);
  const overBudget = standing.over ?? (alerted ? "a budget alert was received for it" : undefined);
  if (overBudget !== undefined) {
    if (allPaused) return restop();
    note("warning", "over-budget", `${overBudget}: pausing, never deleting`);
    const reason = `over budget (${overBudget})`;
    const notify = tellOwner(
      `Ephemera: ${env} paused (over budget)`,
      `Environment ${env} (owner ${owner}) was paused because it is over budget: ${overBudget}.\n` +
        `Its data is kept. It expires at ${expiresText}. Resume it with: ephemera resume ${env}`,
      reason,
    );
    return destructive({ ...base, intent: "pause", reason, phases: pausePlanPhases(resources, reason, notify) });
  }

  if (inWindow && !notified && !(onExpiry.value === "pause" && allPaused)) {
    if (topic === undefined) {
      note("warning", "no-notification-topic", `no SNS topic for owner ${owner} (tag or config); marking expiring without a notification`);
    }
    if (expired) {
      note("info", "awaiting-notification", `expired at ${expiresText} but its owner was never warned: warning now, acting on a later run`);
    }
    const reason = expired
      ? `expired at ${expiresText}; the owner is warned before anything is done`
      : `expires at ${expiresText}, within the warning window`;
    const notify = tellOwner(
      `Ephemera: ${env} expires at ${expiresText}`,
      `Environment ${env} (owner ${owner}) expires at ${expiresText}. ` +
        `On expiry it will be ${ON_EXPIRY_WORDS[onExpiry.value]}.\n` +
        `To keep it longer, run: ephemera extend ${env} <duration>`,
      reason,
    );
    // Notify first, mark on success: the `expiring` tag is then proof the owner was told.
    const phases = [notify, warnPhase(resources, reason)].filter(isPhase);
    return { plan: { ...base, intent: "warn", reason, phases }, notes };
  }

  if (expired) {
    const reason = `expired at ${expiresText} (${TAG.onExpiry}=${onExpiry.value})`;
    if (onExpiry.value === "pause") {
      if (allPaused) return restop();
      return destructive({ ...base, intent: "pause", reason, phases: pausePlanPhases(resources, reason) });
    }
    const databases = resources.filter(holdsData);
    const snapshot =
      onExpiry.value === "snapshot-delete"
        ? (db: DiscoveredResource) => finalSnapshotName(env, now, databases.length > 1 ? db.id : undefined)
        : undefined;
    const phases = [markPhase(resources, "reaping", reason), ...deletePhases(resources, reason, snapshot)].filter(isPhase);
    return destructive({ ...base, intent: "reap", reason, phases });
  }

  if (states.includes("reaping")) {
    note("warning", "stale-state", `partly reaped (${TAG.state}=reaping) but no longer expired (expires at ${expiresText}); left as it is`);
  }
  if (!inWindow && states.includes("expiring")) {
    const reason = `marked expiring, but now expires at ${expiresText}, outside the warning window (extended)`;
    const unwarn = resources
      .filter((r) => stateOf(r) === "expiring")
      .map((resource) => ({ type: "tag" as const, resource, tags: { [TAG.state]: "active" }, reason }));
    return { plan: { ...base, intent: "unwarn", reason, phases: [{ name: "mark", actions: unwarn }] }, notes };
  }

  const restopped = restop();
  if (restopped.plan !== undefined || allPaused) return restopped;
  return warnBudget() ?? restopped;

  /** At its burn rate the environment reaches its budget within the warning window: tell the owner once per limit. */
  function warnBudget(): Decision | undefined {
    const { exhaustedAt, limitUsd, burnUsdPerHour } = standing;
    if (exhaustedAt === null || limitUsd === null || burnUsdPerHour === null || burnUsdPerHour <= 0) return undefined;
    if (exhaustedAt.getTime() - now.getTime() > config.warningWindowMs) return undefined;
    const marker = String(limitUsd);
    if (resources.some((r) => r.tags[TAG.budgetWarned] === marker)) return undefined;
    const when = formatInstant(exhaustedAt);
    const spent = Math.max(standing.budgetsUsd ?? 0, standing.meteredUsd ?? 0);
    const reason = `spending $${money(burnUsdPerHour)}/h, it reaches its budget of $${money(limitUsd)} at ${when} ($${money(spent)} so far)`;
    const notify = tellOwner(
      `Ephemera: ${env} reaches its budget at ${when}`,
      `Environment ${env} (owner ${owner}) is spending $${money(burnUsdPerHour)} an hour and has spent about $${money(spent)} ` +
        `of its $${money(limitUsd)} budget. At this rate the budget is used up at ${when}, and the environment will then be paused ` +
        `(scaled to zero, database stopped, data kept). Scale it down, or raise its budget.`,
      reason,
    );
    const mark: PlanPhase = {
      name: "mark",
      actions: resources.map((resource) => ({ type: "tag" as const, resource, tags: { [TAG.budgetWarned]: marker }, reason })),
    };
    return { plan: { ...base, intent: "warn-budget", reason, phases: [notify, mark].filter(isPhase) }, notes };
  }
}

const ON_EXPIRY_WORDS: Readonly<Record<OnExpiry, string>> = {
  delete: "deleted",
  "snapshot-delete": "deleted after a final database snapshot",
  pause: "paused (scaled to zero, database stopped, data kept)",
};

function notifyPhase(action: Omit<NotifyAction, "type">): PlanPhase {
  return { name: "notify", actions: [{ type: "notify", ...action }] };
}

function protectedResource(resources: readonly DiscoveredResource[]): DiscoveredResource | undefined {
  return resources.find((r) => isProtected(r.tags));
}

type OnExpiryResolution =
  | { readonly ok: true; readonly value: OnExpiry; readonly conflict?: string }
  | { readonly ok: false; readonly message: string; readonly resource: DiscoveredResource };

/** Absent tags mean "unspecified"; explicit values that disagree resolve to the safest and are reported. */
function resolveOnExpiry(resources: readonly DiscoveredResource[]): OnExpiryResolution {
  const seen = new Set<OnExpiry>();
  let explicit = false;
  for (const resource of resources) {
    const text = resource.tags[TAG.onExpiry];
    const parsed = tryParseOnExpiry(text);
    if (!parsed.ok) return { ok: false, message: parsed.error.message, resource };
    if (text !== undefined) explicit = true;
    seen.add(parsed.value);
  }
  const value = safestOnExpiry(seen);
  if (!explicit || seen.size <= 1) return { ok: true, value };
  // An untagged resource reads as the default; only a real disagreement between explicit values is reported.
  const explicitValues = new Set(resources.map((r) => r.tags[TAG.onExpiry]).filter((v): v is string => v !== undefined));
  return explicitValues.size > 1 ? { ok: true, value, conflict: [...explicitValues].sort().join(", ") } : { ok: true, value };
}

function ownerOf(resources: readonly DiscoveredResource[]): string {
  const owners = ownersOf(resources);
  return owners.length === 0 ? "(no owner tag)" : owners.join(", ");
}

/** The owner tag when it is an SNS topic ARN, else the configured topic. */
function notificationTopic(resources: readonly DiscoveredResource[], config: DecideConfig): string | undefined {
  const topics = resources.map((r) => r.tags[TAG.owner]).filter((o): o is string => !!o && isSnsTopicArn(o));
  return topics.sort(compareText)[0] ?? config.notificationTopicArn;
}

function sortNotes(notes: readonly PlanNote[]): PlanNote[] {
  // A total order on content, so the plan does not depend on the order discovery listed things in.
  const key = (n: PlanNote) => [n.env ?? "", n.resource?.kind ?? "", n.resource?.id ?? "", n.code, n.message];
  return [...notes].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) {
      const order = compareText(ka[i]!, kb[i]!);
      if (order !== 0) return order;
    }
    return 0;
  });
}
