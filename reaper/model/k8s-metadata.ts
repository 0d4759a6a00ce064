import { isFormattable } from "./instant";

/**
 * Kubernetes objects carry the same facts as the AWS tags, split by what Kubernetes
 * allows: labels are for selecting (`kubectl get ns -l ephemera.dev/env=pr-123`) and
 * their values must be short, plain tokens; annotations hold everything else.
 *
 * Labels: managed-by, env, on-expiry, protect, state: fixed vocabularies or DNS-safe ids.
 * Annotations: instants (their ':' is not allowed in a label value), the ttl, the budget,
 * the paused size, and the owner, which is free-form (an e-mail address is not a valid label value).
 */
export const K8S_LABEL = {
  managedBy: "ephemera.dev/managed-by",
  env: "ephemera.dev/env",
  onExpiry: "ephemera.dev/on-expiry",
  protect: "ephemera.dev/protect",
  state: "ephemera.dev/state",
} as const;

export const K8S_ANNOTATION = {
  owner: "ephemera.dev/owner",
  ttl: "ephemera.dev/ttl",
  createdAt: "ephemera.dev/created-at",
  expiresAt: "ephemera.dev/expires-at",
  extendedUntil: "ephemera.dev/extended-until",
  budgetUsd: "ephemera.dev/budget-usd",
  /** Workloads' replica count before a pause, so resume restores it. */
  pausedSize: "ephemera.dev/paused-size",
  /** The budget limit the owner was warned the burn rate will reach. */
  budgetWarned: "ephemera.dev/budget-warned",
  /**
   * The warm pool and baseline snapshot of a pooled database, a database's baseline checkpoint, a
   * snapshot's checkpoint label, and the checkpoint a rollback restored (the tags are databases' and
   * snapshots'; the keys exist so every tag has one).
   */
  pool: "ephemera.dev/pool",
  baseline: "ephemera.dev/baseline",
  checkpoint: "ephemera.dev/checkpoint",
  restoredFrom: "ephemera.dev/restored-from",
} as const;

/** The Kubernetes counterpart of RUNTIME_TAG_KEYS: Terraform must ignore changes to these. */
export const RUNTIME_K8S_KEYS: readonly string[] = [
  K8S_ANNOTATION.createdAt,
  K8S_ANNOTATION.extendedUntil,
  K8S_LABEL.state,
  K8S_ANNOTATION.pausedSize,
  K8S_ANNOTATION.budgetWarned,
];

/** Read by kube-janitor, so clusters that already run it also clean up after Ephemera. */
export const JANITOR_EXPIRES_ANNOTATION = "janitor/expires";

/**
 * kube-janitor's `YYYY-MM-DDTHH:MM:SSZ`. It has no fractions of a second, so the
 * instant is rounded up: the janitor may act up to a second late, never early.
 */
export function formatJanitorExpires(expiresAt: Date): string {
  const time = Math.ceil(expiresAt.getTime() / 1000) * 1000;
  if (!isFormattable(time)) {
    throw new RangeError(`formatJanitorExpires needs a date in years 0000-9999, got ${String(expiresAt)}`);
  }
  return `${new Date(time).toISOString().slice(0, 19)}Z`;
}

/** Kubernetes' rule for label values: at most 63 characters, alphanumeric at both ends. */
export function isK8sLabelValue(value: string): boolean {
  return value.length <= 63 && /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(value);
}
