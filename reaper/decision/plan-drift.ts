import type { Inventory } from "../contracts/kind-adapter";
import { isProtected, TAG } from "../model";
import { type SeenResource, seenIn } from "./reviewed-plan";

/**
 * One way an environment differs from what its reviewed plan saw:
 * - `tag`: a tag's value changed, was added (`was` null) or removed (`now` null);
 * - `status`: the service's status word changed;
 * - `gone`: a resource the plan saw is no longer found;
 * - `appeared`: a resource the plan did not see is in the environment now;
 * - `unlisted`: a listing failed that can hide the environment's resources, so whether it drifted is unknown (fail closed);
 * - `protected`: a resource of the environment carries `ephemera:protect` now, which stops every action on it
 *   whatever the plan says (a plan file is data an operator could have written by hand: decide's first rule is kept here too).
 */
export type Drift =
  | { readonly change: "tag"; readonly kind: string; readonly id: string; readonly tag: string; readonly was: string | null; readonly now: string | null }
  | { readonly change: "status"; readonly kind: string; readonly id: string; readonly was: string | null; readonly now: string | null }
  | { readonly change: "gone" | "appeared" | "protected"; readonly kind: string; readonly id: string }
  | { readonly change: "unlisted"; readonly kind: string; readonly scope: string; readonly message: string };

/**
 * How the environment `env` differs now (`inventory`, a discovery of it) from what the plan
 * saw of it (`seen`): every difference, none when it is exactly as seen. Pure.
 */
export function planDrift(env: string, seen: readonly SeenResource[], inventory: Inventory): Drift[] {
  const unlisted: Drift[] = inventory.failures
    .filter((f) => f.env === undefined || f.env === env)
    .map((f) => ({ change: "unlisted", kind: f.kind, scope: f.scope, message: f.message }));
  const now = new Map(seenIn(inventory, env).map((r) => [`${r.kind} ${r.id}`, r]));
  const before = new Map(seen.map((r) => [`${r.kind} ${r.id}`, r]));
  const changes: Drift[] = [];
  for (const [key, was] of before) {
    const is = now.get(key);
    if (is === undefined) changes.push({ change: "gone", kind: was.kind, id: was.id });
    else changes.push(...resourceDrift(was, is));
  }
  for (const [key, is] of now) if (!before.has(key)) changes.push({ change: "appeared", kind: is.kind, id: is.id });
  const guarded: Drift[] = [...now.values()].filter((r) => isProtected(r.tags)).map((r) => ({ change: "protected", kind: r.kind, id: r.id }));
  return [...unlisted, ...guarded, ...changes];
}

function resourceDrift(was: SeenResource, is: SeenResource): Drift[] {
  const { kind, id } = was;
  const tags = [...new Set([...Object.keys(was.tags), ...Object.keys(is.tags)])].sort();
  const changed: Drift[] = tags
    .filter((tag) => was.tags[tag] !== is.tags[tag])
    .map((tag) => ({ change: "tag", kind, id, tag, was: was.tags[tag] ?? null, now: is.tags[tag] ?? null }));
  if (was.status !== is.status) changed.push({ change: "status", kind, id, was: was.status, now: is.status });
  return changed;
}

/** One line for a person: `rds-instance pr-1-db: tag ephemera:protect was (none), now "true"`. */
export function describeDrift(d: Drift): string {
  const value = (v: string | null) => (v === null ? "(none)" : JSON.stringify(v));
  switch (d.change) {
    case "tag":
      return `${d.kind} ${d.id}: tag ${d.tag} was ${value(d.was)}, now ${value(d.now)}`;
    case "status":
      return `${d.kind} ${d.id}: status was ${value(d.was)}, now ${value(d.now)}`;
    case "gone":
      return `${d.kind} ${d.id}: gone since the plan was made`;
    case "appeared":
      return `${d.kind} ${d.id}: appeared since the plan was made`;
    case "protected":
      return `${d.kind} ${d.id}: carries ${TAG.protect}, which protects the whole environment whatever a plan says`;
    case "unlisted":
      return `${d.kind} (${d.scope}): the listing failed (${d.message}), so the environment cannot be compared`;
  }
}
