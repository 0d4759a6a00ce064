import type { Inventory } from "../contracts/kind-adapter";
import { TAG } from "../model";

/**
 * The part of an inventory that concerns the named environments: their resources, and
 * every listing failure that may hide them (those naming no environment, or one of them).
 * A sweep restricted this way applies exactly the rules of a full one.
 */
export function onlyEnvironments(inventory: Inventory, envs: readonly string[]): Inventory {
  const wanted = new Set(envs);
  return {
    resources: inventory.resources.filter((r) => wanted.has(r.tags[TAG.env] ?? "")),
    failures: inventory.failures.filter((f) => f.env === undefined || wanted.has(f.env)),
    ...(inventory.usage === undefined ? {} : { usage: inventory.usage.filter((u) => wanted.has(u.tags[TAG.env] ?? "")) }),
  };
}
