import { InvalidValueError } from "./invalid-value-error";
import { NAME_PREFIX } from "./names";
import { fail, ok, type ParseOptions, type Result, unwrap } from "./result";

/**
 * How an environment's pods are isolated from the node's kernel: "none" shares it
 * (runc, today's behaviour); "gvisor" puts a user-space kernel between them (runsc);
 * "kata" runs each pod in a lightweight VM (Kata Containers).
 */
export const ISOLATION_LEVELS = ["none", "gvisor", "kata"] as const;
export type Isolation = (typeof ISOLATION_LEVELS)[number];
/** The levels that run pods in a sandbox, on sandbox nodes. */
export type SandboxIsolation = Exclude<Isolation, "none">;
export const SANDBOX_LEVELS: readonly SandboxIsolation[] = ["gvisor", "kata"];
export const DEFAULT_ISOLATION: Isolation = "none";

/** Unknown text is an error rather than "none": falling back would run untrusted code unsandboxed. */
export function tryParseIsolation(text: string | undefined, options: ParseOptions = {}): Result<Isolation> {
  if (text === undefined) return ok(DEFAULT_ISOLATION);
  const value = ISOLATION_LEVELS.find((candidate) => candidate === text);
  if (value !== undefined) return ok(value);
  return fail(
    new InvalidValueError(
      options.field ?? "isolation",
      text,
      "is not a known isolation level",
      `use one of ${ISOLATION_LEVELS.map((v) => `"${v}"`).join(", ")}, such as "gvisor"`,
    ),
  );
}

/** Throwing form of {@link tryParseIsolation}, for synth-time validation of construct props. */
export function parseIsolation(text: string | undefined, options?: ParseOptions): Isolation {
  return unwrap(tryParseIsolation(text, options));
}

/**
 * A comma-separated list of levels (the platform's offer: `EPHEMERA_OFFERED_ISOLATION`):
 * at least one, each known, duplicates dropped. An unknown level is an error, never
 * dropped: the reaper's settings and the cluster stack read the list with this one parser.
 */
export function tryParseIsolationList(text: string, options: ParseOptions = {}): Result<Isolation[]> {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const field = options.field ?? "isolation";
  if (items.length === 0) return fail(new InvalidValueError(field, text, "lists no isolation level", 'list the levels this platform has nodes for, such as "none" or "none,gvisor"'));
  const levels: Isolation[] = [];
  for (const item of items) {
    const parsed = tryParseIsolation(item, { field });
    if (!parsed.ok) return parsed;
    levels.push(parsed.value);
  }
  return ok([...new Set(levels)]);
}

export function isSandbox(level: Isolation): level is SandboxIsolation {
  return level !== "none";
}

/**
 * Sandbox nodes carry this label and a NoSchedule taint with the same key, both with
 * the level as value (`ephemera.dev/sandbox=gvisor`): the node side sets them, the
 * RuntimeClass's `scheduling` selects and tolerates them.
 */
export const SANDBOX_NODE_LABEL = "ephemera.dev/sandbox";

/** The sandbox nodes' taint, in the shape Kubernetes manifests and EKS node groups share (but EKS spells the effect NO_SCHEDULE). */
export function sandboxTaint(level: SandboxIsolation): { readonly key: string; readonly value: string; readonly effect: "NoSchedule" } {
  return { key: SANDBOX_NODE_LABEL, value: level, effect: "NoSchedule" };
}

/** The sandbox nodes' labels, `{ "ephemera.dev/sandbox": level }`. */
export function sandboxNodeLabels(level: SandboxIsolation): Readonly<Record<string, string>> {
  return { [SANDBOX_NODE_LABEL]: level };
}

/**
 * The containerd runtime handler each level's RuntimeClass names; the sandbox nodes'
 * containerd config must define a runtime of that name.
 * - gvisor: `runsc`, the name gVisor's containerd guide registers
 *   (`[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runsc]`,
 *   https://gvisor.dev/docs/user_guide/containerd/quick_start/; that is containerd 1.x's key,
 *   and the sandbox nodes register it under containerd 2's `io.containerd.cri.v1.runtime`).
 * - kata: `kata-qemu`, the handler kata-deploy installs for QEMU (its runtimeclasses/
 *   kata-runtimeClasses.yaml); QEMU because it needs no devmapper snapshotter, unlike
 *   Firecracker (`kata-fc`). Kata needs KVM on the node: on EKS managed nodes, a bare-metal
 *   (`*.metal`) instance (SpotNodeGroup refuses others: managed node groups drop the CPU
 *   option that turns on C8i/M8i/R8i's nested virtualization).
 */
const RUNTIME_HANDLERS: Readonly<Record<SandboxIsolation, string>> = {
  gvisor: "runsc",
  kata: "kata-qemu",
};

export function runtimeHandler(level: SandboxIsolation): string {
  return RUNTIME_HANDLERS[level];
}

/** A RuntimeClass's `overhead.podFixed`, as Kubernetes quantities. */
export interface RuntimeOverhead {
  readonly cpu: string;
  readonly memory: string;
}

/**
 * What each sandbox costs a pod beyond its containers, as the RuntimeClass's
 * `overhead.podFixed`: the scheduler, the kubelet (pod cgroup) and ResourceQuota add it
 * to the pod's requests and limits ("Pod Overhead", kubernetes.io/docs/concepts/
 * scheduling-eviction/pod-overhead/), so quotas see the real cost.
 * - kata: 250m CPU and 160Mi, the figures Kata publishes in its own kata-qemu
 *   RuntimeClass (kata-containers tools/packaging/kata-deploy/runtimeclasses/kata-qemu.yaml).
 *   The guest VM is configured with more memory than that (Kata's `default_memory`), but
 *   the host backs only what the guest touches, and the containers' own limits are sized
 *   into the VM on top.
 * - gvisor: gVisor publishes no per-pod figure (its resource model leaves sizing to the
 *   host: gvisor.dev/docs/architecture_guide/resources); 100m CPU and 64Mi are our own
 *   allowance for the Sentry and Gofer processes of a sandbox, to be checked against
 *   measurements on the sandbox nodes.
 */
export const RUNTIME_OVERHEAD: Readonly<Record<SandboxIsolation, RuntimeOverhead>> = {
  gvisor: { cpu: "100m", memory: "64Mi" },
  kata: { cpu: "250m", memory: "160Mi" },
};

/**
 * The namespace label that puts a namespace under a sandbox level, like Pod Security's
 * `pod-security.kubernetes.io/enforce`: the cluster's one admission policy binding
 * (SandboxRuntimes) selects namespaces by it, so an environment owns no cluster-scoped
 * object and deleting its namespace leaves nothing behind.
 */
export const ISOLATION_NAMESPACE_LABEL = "ephemera.dev/isolation";

/** A level's RuntimeClass name is this prefix and the level (the admission policy's CEL builds it the same way). */
export const RUNTIME_CLASS_PREFIX = NAME_PREFIX;

/** The RuntimeClass pods of a level name, one per cluster and level: `ephemera-gvisor`, `ephemera-kata`. */
export function runtimeClassName(level: SandboxIsolation): string {
  return `${RUNTIME_CLASS_PREFIX}${level}`;
}
