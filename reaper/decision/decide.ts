import { compareText, type EnvironmentView, groupEnvironments, ownersOf } from "./group-environments";
import type { DiscoveredResource, Inventory } from "../contracts/kind-adapter";
import { expiryOf, finalSnapshotName, formatDuration, formatInstant, isProtected, isSnsTopicArn, type OnExpiry, safestOnExpiry, SETTINGS, TAG, tryParseEnvId, tryParseOnExpiry, type TtlOverMax } from "../model";
import {
  DESTRUCTIVE_ACTIONS,
  type DeferredEnvironment,
  type EnvironmentPlan,
  type NotifyAction,
  type Plan,
  type PlanNote,
  type PlanPhase,
} from "../contracts/plan";
import { deletePhases, holdsData, isPhase, isRestartedWhilePaused, markPhase, pausePhases, pausePlanPhases, stateOf, warnPhase } from "./phases";
import type { ReaperConfig } from "../config/reaper-config";
import type { EnvSpend } from "../spend/price-usage";
import { type BudgetStanding, budgetStanding, money } from "./budget-standing";

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
 * and config. No action without `managed-by` and a valid env id; no expiry action
 * (warn, reap, expiry pause) without a known expiry and a well-formed on-expiry (a ttl
 * over the max counts as the max); nothing for a protected environment; nothing
 * destructive for an environment a listing failure may hide, or before its owner was
 * warned, or before its expiry; over budget pauses, whatever the expiry tags say, and
 * never deletes.
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

/** What every step of one environment's decision reads. */
interface EnvContext {
  readonly view: EnvironmentView;
  readonly env: string;
  readonly resources: readonly DiscoveredResource[];
  readonly now: Date;
  readonly config: DecideConfig;
  readonly notes: PlanNote[];
  readonly owner: string;
  readonly standing: BudgetStanding;
  /** Why it is over budget (its figures, or a budget alert); undefined when it is not. */
  readonly overBudget: string | undefined;
  /** Every resource is tagged paused. */
  readonly allPaused: boolean;
}

/** What every plan of the environment carries: its expiry and on-expiry when known. */
type PlanBase = Pick<EnvironmentPlan, "env" | "expiresAt" | "onExpiry">;

/**
 * One environment, in named steps: protection first (nothing at all), then what is
 * known of its expiry. An unknown expiry or a malformed on-expiry rules out every
 * expiry action (no reap or warning on a guess), never the budget: an over-budget
 * environment is paused whatever its expiry tags say, since a pause keeps the data.
 */
function decideEnvironment(view: EnvironmentView, now: Date, config: DecideConfig, alerted: boolean, spend: EnvSpend | undefined): Decision {
  const { env, resources } = view;
  const standing = budgetStanding(resources, spend, now);
  const ctx: EnvContext = {
    view,
    env,
    resources,
    now,
    config,
    notes: [],
    owner: ownerOf(resources),
    standing,
    overBudget: standing.over ?? (alerted ? "a budget alert was received for it" : undefined),
    allPaused: resources.every((r) => stateOf(r) === "paused"),
  };

  const guard = protectedResource(resources);
  if (guard !== undefined) {
    note(ctx, "info", "protected", `${TAG.protect} on this resource protects the whole environment; no action`, guard);
    return { notes: ctx.notes };
  }

  const expiry = expiryOf(resources.map((r) => r.tags), { maxTtl: config.maxTtlMs });
  if (!expiry.known) {
    noteUnknownExpiry(ctx, expiry.reason);
    return enforceBudgetOnly(ctx, { env });
  }
  ctx.notes.push(...ttlOverMaxNotes(env, resources, expiry.overMax));

  const onExpiry = resolveOnExpiry(resources);
  if (!onExpiry.ok) {
    note(ctx, "warning", "malformed-on-expiry", `${onExpiry.message}; ${NO_EXPIRY_ACTION}`, onExpiry.resource);
    return enforceBudgetOnly(ctx, { env, expiresAt: formatInstant(expiry.expiresAt) });
  }
  if (onExpiry.conflict !== undefined) {
    note(ctx, "warning", "conflicting-on-expiry", `resources disagree on ${TAG.onExpiry} (${onExpiry.conflict}); using the safest, "${onExpiry.value}"`);
  }
  return decideByExpiry(ctx, expiry.expiresAt, onExpiry.value);
}

const NO_EXPIRY_ACTION = "no expiry action (nothing is reaped or warned on a guess), but its budget is still enforced";

function note(ctx: EnvContext, level: PlanNote["level"], code: PlanNote["code"], message: string, resource?: DiscoveredResource): void {
  ctx.notes.push({ level, code, env: ctx.env, ...(resource ? { resource: { kind: resource.kind, id: resource.id } } : {}), message });
}

/** Names the first resource whose own tags leave the expiry unknown, and why. */
function noteUnknownExpiry(ctx: EnvContext, reason: string): void {
  const maxTtl = ctx.config.maxTtlMs;
  const culprit = ctx.resources.find((r) => !expiryOf([r.tags], { maxTtl }).known);
  const own = culprit === undefined ? undefined : expiryOf([culprit.tags], { maxTtl });
  const why = own !== undefined && !own.known ? own.reason.replace(/^resource 0: /, "") : reason;
  note(ctx, "warning", "unknown-expiry", `expiry unknown (${why}); ${NO_EXPIRY_ACTION}`, culprit);
}

/**
 * One warning per distinct over-max `ephemera:ttl` value, on the first resource that
 * carries it: the ttl is enforced as the max TTL, never left unknown. Also read by `ls`.
 */
export function ttlOverMaxNotes(env: string, resources: readonly DiscoveredResource[], overMax: readonly TtlOverMax[] | undefined): PlanNote[] {
  const seen = new Set<string>();
  const notes: PlanNote[] = [];
  for (const over of overMax ?? []) {
    if (seen.has(over.ttl)) continue;
    seen.add(over.ttl);
    const resource = resources[over.resourceIndex];
    const max = durationText(over.maxTtlMs);
    notes.push({
      level: "warning",
      code: "ttl-over-max",
      env,
      ...(resource === undefined ? {} : { resource: { kind: resource.kind, id: resource.id } }),
      message: `${TAG.ttl}=${over.ttl} is over the max TTL of ${max} (${SETTINGS.maxTtl.env}): enforced as ${max}`,
    });
  }
  return notes;
}

function durationText(ms: number): string {
  return Number.isSafeInteger(ms) && ms >= 60_000 && ms % 60_000 === 0 ? formatDuration(ms) : `${ms} ms`;
}

/** A destructive plan, or none and a note when a listing failure may hide some of the environment's resources. */
function destructive(ctx: EnvContext, plan: EnvironmentPlan): Decision {
  const failures = ctx.view.failures;
  if (failures.length === 0) return { plan, notes: ctx.notes };
  const failed = failures.map((f) => `${f.kind} in ${f.scope}${f.code ? `: ${f.code}` : ""}`).join("; ");
  note(ctx, "warning", "fail-closed", `${plan.intent} withheld: a listing failed (${failed}), so resources of this environment may be unseen; no destructive action this run`);
  return { notes: ctx.notes };
}

/** The owner's notification, or undefined when there is no topic to send it to. */
function tellOwner(ctx: EnvContext, subject: string, message: string, reason: string): PlanPhase | undefined {
  const topic = notificationTopic(ctx.resources, ctx.config);
  return topic === undefined ? undefined : notifyPhase({ topicArn: topic, owner: ctx.owner, subject, message, reason });
}

/** Without a known expiry or a well-formed on-expiry: the budget pause, or a re-stop of what AWS restarted. */
function enforceBudgetOnly(ctx: EnvContext, base: PlanBase): Decision {
  return pauseOverBudget(ctx, base) ?? restop(ctx, base);
}

/** Over budget pauses (never deletes), whatever the expiry; undefined when it is not over budget. */
function pauseOverBudget(ctx: EnvContext, base: PlanBase): Decision | undefined {
  const { env, overBudget } = ctx;
  if (overBudget === undefined) return undefined;
  if (ctx.allPaused) return restop(ctx, base);
  note(ctx, "warning", "over-budget", `${overBudget}: pausing, never deleting`);
  const reason = `over budget (${overBudget})`;
  const expires = base.expiresAt === undefined ? "Its expiry is unknown (see the reaper's notes); its budget is enforced all the same." : `It expires at ${base.expiresAt}.`;
  const notify = tellOwner(
    ctx,
    `Ephemera: ${env} paused (over budget)`,
    `Environment ${env} (owner ${ctx.owner}) was paused because it is over budget: ${overBudget}.\n` +
      `Its data is kept. ${expires} Resume it with: ephemera resume ${env}`,
    reason,
  );
  return destructive(ctx, { ...base, intent: "pause", reason, phases: pausePlanPhases(ctx.resources, reason, notify) });
}

/** Paused, but AWS restarted a database (it does after 7 days stopped): stop it again. No plan when nothing was restarted. */
function restop(ctx: EnvContext, base: PlanBase): Decision {
  const restarted = ctx.resources.filter(isRestartedWhilePaused);
  if (restarted.length === 0) return { notes: ctx.notes };
  const reason = "paused, but AWS restarted the database (it does after 7 days stopped): stop it again";
  return destructive(ctx, { ...base, intent: "restop", reason, phases: pausePhases(restarted, reason) });
}

/** A known expiry and a well-formed on-expiry: the budget first, then the warning, the expiry and the leftovers. */
function decideByExpiry(ctx: EnvContext, expiresAt: Date, onExpiry: OnExpiry): Decision {
  const { env, resources, now, config, allPaused } = ctx;
  const expiresText = formatInstant(expiresAt);
  const base = { env, expiresAt: expiresText, onExpiry } as const;

  const paused = pauseOverBudget(ctx, base);
  if (paused !== undefined) return paused;

  const states = resources.map(stateOf);
  const notified = states.some((s) => s === "expiring" || s === "reaping");
  const expired = now.getTime() >= expiresAt.getTime();
  const inWindow = now.getTime() >= expiresAt.getTime() - config.warningWindowMs;
  if (inWindow && !notified && !(onExpiry === "pause" && allPaused)) return warnOfExpiry(ctx, base, expired);

  if (expired) {
    const reason = `expired at ${expiresText} (${TAG.onExpiry}=${onExpiry})`;
    if (onExpiry === "pause") {
      if (allPaused) return restop(ctx, base);
      return destructive(ctx, { ...base, intent: "pause", reason, phases: pausePlanPhases(resources, reason) });
    }
    const databases = resources.filter(holdsData);
    const snapshot =
      onExpiry === "snapshot-delete"
        ? (db: DiscoveredResource) => finalSnapshotName(env, now, databases.length > 1 ? db.id : undefined)
        : undefined;
    const phases = [markPhase(resources, "reaping", reason), ...deletePhases(resources, reason, snapshot)].filter(isPhase);
    return destructive(ctx, { ...base, intent: "reap", reason, phases });
  }

  if (states.includes("reaping")) {
    note(ctx, "warning", "stale-state", `partly reaped (${TAG.state}=reaping) but no longer expired (expires at ${expiresText}); left as it is`);
  }
  if (!inWindow && states.includes("expiring")) {
    const reason = `marked expiring, but now expires at ${expiresText}, outside the warning window (extended)`;
    const unwarn = resources
      .filter((r) => stateOf(r) === "expiring")
      .map((resource) => ({ type: "tag" as const, resource, tags: { [TAG.state]: "active" }, reason }));
    return { plan: { ...base, intent: "unwarn", reason, phases: [{ name: "mark", actions: unwarn }] }, notes: ctx.notes };
  }

  const restopped = restop(ctx, base);
  if (restopped.plan !== undefined || allPaused) return restopped;
  return warnBudget(ctx, base) ?? restopped;
}

/** Within the warning window (or past expiry) and never warned: notify first, mark on success, so `expiring` proves the owner was told. */
function warnOfExpiry(ctx: EnvContext, base: PlanBase & { readonly expiresAt: string; readonly onExpiry: OnExpiry }, expired: boolean): Decision {
  const { env, owner, resources } = ctx;
  const expiresText = base.expiresAt;
  if (notificationTopic(resources, ctx.config) === undefined) {
    note(ctx, "warning", "no-notification-topic", `no SNS topic for owner ${owner} (tag or config); marking expiring without a notification`);
  }
  if (expired) {
    note(ctx, "info", "awaiting-notification", `expired at ${expiresText} but its owner was never warned: warning now, acting on a later run`);
  }
  const reason = expired
    ? `expired at ${expiresText}; the owner is warned before anything is done`
    : `expires at ${expiresText}, within the warning window`;
  const notify = tellOwner(
    ctx,
    `Ephemera: ${env} expires at ${expiresText}`,
    `Environment ${env} (owner ${owner}) expires at ${expiresText}. ` +
      `On expiry it will be ${ON_EXPIRY_WORDS[base.onExpiry]}.\n` +
      `To keep it longer, run: ephemera extend ${env} <duration>`,
    reason,
  );
  const phases = [notify, warnPhase(resources, reason)].filter(isPhase);
  return { plan: { ...base, intent: "warn", reason, phases }, notes: ctx.notes };
}

/** At its burn rate the environment reaches its budget within the warning window: tell the owner once per limit. */
function warnBudget(ctx: EnvContext, base: PlanBase): Decision | undefined {
  const { env, owner, resources, now, standing } = ctx;
  const { exhaustedAt, limitUsd, burnUsdPerHour } = standing;
  if (exhaustedAt === null || limitUsd === null || burnUsdPerHour === null || burnUsdPerHour <= 0) return undefined;
  if (exhaustedAt.getTime() - now.getTime() > ctx.config.warningWindowMs) return undefined;
  const marker = String(limitUsd);
  if (resources.some((r) => r.tags[TAG.budgetWarned] === marker)) return undefined;
  const when = formatInstant(exhaustedAt);
  const spent = Math.max(standing.budgetsUsd ?? 0, standing.meteredUsd ?? 0);
  const reason = `spending $${money(burnUsdPerHour)}/h, it reaches its budget of $${money(limitUsd)} at ${when} ($${money(spent)} so far)`;
  const notify = tellOwner(
    ctx,
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
  return { plan: { ...base, intent: "warn-budget", reason, phases: [notify, mark].filter(isPhase) }, notes: ctx.notes };
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
