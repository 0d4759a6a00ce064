import { KubeApiError } from "../kube/kube-api-error";
import type { KubeClient, KubeObject, MergePatch, WorkloadResource } from "../kube/kube-client";
import {
  formatJanitorExpires,
  isK8sLabelValue,
  isManagedByEphemera,
  JANITOR_EXPIRES_ANNOTATION,
  K8S_ANNOTATION,
  K8S_LABEL,
  MANAGED_BY_VALUE,
  TAG,
  type Tags,
  tryParseInstant,
} from "../model";
import type { KindContext } from "../contracts/kind-context";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, errorCode, hasCode, listingFailure, refused, requestIdOf } from "../support/outcomes";
import type { DiscoveredResource, KindAdapter, ListingFailure, OperationResult } from "../contracts/kind-adapter";
import { type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const k8sNamespaceRow = {
  what: "Kubernetes namespaces on the configured EKS clusters (label selector `ephemera.dev/managed-by=ephemera`); acted on through Kubernetes RBAC, not IAM",
  how: {
    find: "For each configured EKS cluster: `GET /api/v1/namespaces?labelSelector=ephemera.dev/managed-by=ephemera`. Labels and annotations are read back as `ephemera:*` tags.",
    pause: "Scales every Deployment and StatefulSet to 0. Each workload's replica count is saved in its `ephemera.dev/paused-size` annotation in the same merge patch. Resume restores the count and removes the annotation.",
    delete: "`DELETE` the namespace. 404, or 409 while it is still terminating, counts as done.",
  },
  kubernetesRbac: [
    { apiGroup: "", resources: ["namespaces"], verbs: ["list", "get", "patch", "delete"] },
    { apiGroup: "apps", resources: ["deployments", "statefulsets"], verbs: ["list", "patch"] },
  ],
  deletePhase: "namespace",
  pausePhase: "namespace",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: { discover: ["eks:DescribeCluster"] },
} satisfies KindRow;

const TAG_PREFIX = "ephemera:";
const K8S_PREFIX = "ephemera.dev/";
const WORKLOADS: readonly WorkloadResource[] = ["deployments", "statefulsets"];

/** `ephemera:<x>` → its label, for the facts Kubernetes keeps as labels (model/k8s-metadata.ts). */
const LABEL_OF_TAG = pairKeys(K8S_LABEL);
/** `ephemera:<x>` → its annotation, for the rest. */
const ANNOTATION_OF_TAG = pairKeys(K8S_ANNOTATION);

/**
 * Kubernetes namespaces on the configured EKS clusters.
 *
 * Discovery: per cluster, `GET /api/v1/namespaces?labelSelector=ephemera.dev/managed-by=ephemera`
 * (following `continue`). A namespace's labels and annotations are read back into
 * `ephemera:*` tag keys, so decide sees one tag model whatever the kind. The id is
 * `<cluster>/<namespace>`.
 *
 * Pause scales every Deployment and StatefulSet in the namespace to 0, writing the
 * previous replica count into the workload's `ephemera.dev/paused-size` annotation in
 * the same merge patch; resume restores the count and removes the annotation.
 * Delete is `DELETE` on the namespace (Kubernetes then removes what is in it).
 */
export const k8sNamespaceAdapter: KindAdapter<KindContext> = {
  kind: "k8s-namespace",

  async list(ctx) {
    const failures: ListingFailure[] = [];
    const perCluster = await mapWithLimit(ctx.kubernetesClusters, ctx.listConcurrency, async (cluster) => {
      try {
        const kube = await ctx.kube(cluster);
        const namespaces = await kube.listNamespaces(`${K8S_LABEL.managedBy}=${MANAGED_BY_VALUE}`);
        return namespaces.map((ns) => toResource(ctx, cluster, ns)).filter((r) => isManagedByEphemera(r.tags));
      } catch (err) {
        failures.push(listingFailure("k8s-namespace", `cluster ${cluster}`, err));
        return [];
      }
    });
    return { resources: perCluster.flat(), failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const patch = metadataPatch(tags);
      if ("refusal" in patch) return patch.refusal;
      const { cluster, namespace } = parseId(resource.id);
      const kube = await ctx.kube(cluster);
      const out = await kube.patchNamespace(namespace, { metadata: patch.metadata });
      return done(out.auditId);
    });
  },

  pause(ctx, resource) {
    return attempt(async () => {
      const { cluster, namespace } = parseId(resource.id);
      const kube = await ctx.kube(cluster);
      return eachWorkload(kube, namespace, async (resourceType, workload) => {
        const replicas = workload.spec?.replicas ?? 1; // Kubernetes' default
        if (replicas === 0) return "unchanged";
        const patch: MergePatch = {
          metadata: { annotations: { [K8S_ANNOTATION.pausedSize]: String(replicas) } },
          spec: { replicas: 0 },
        };
        return kube.patchWorkload(resourceType, namespace, workload.metadata.name, patch);
      });
    });
  },

  resume(ctx, resource) {
    return attempt(async () => {
      const { cluster, namespace } = parseId(resource.id);
      const kube = await ctx.kube(cluster);
      return eachWorkload(kube, namespace, async (resourceType, workload) => {
        const remembered = workload.metadata.annotations?.[K8S_ANNOTATION.pausedSize];
        if (remembered === undefined) return "unchanged";
        if (!/^\d{1,6}$/.test(remembered)) {
          throw new KubeApiError("InvalidPausedSize", `${K8S_ANNOTATION.pausedSize} is ${JSON.stringify(remembered)}, not a replica count`, 0);
        }
        const patch: MergePatch = {
          metadata: { annotations: { [K8S_ANNOTATION.pausedSize]: null } },
          spec: { replicas: Number(remembered) },
        };
        return kube.patchWorkload(resourceType, namespace, workload.metadata.name, patch);
      });
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      const { cluster, namespace } = parseId(resource.id);
      const kube = await ctx.kube(cluster);
      try {
        const out = await kube.deleteNamespace(namespace);
        return done(out.auditId);
      } catch (err) {
        if (hasCode(err, "NotFound")) return alreadyDone("the namespace no longer exists", requestIdOf(err));
        // A second DELETE while the namespace is still being emptied answers 409 Conflict.
        if (hasCode(err, "Conflict")) {
          try {
            const now = await kube.getNamespace(namespace);
            if (now.status?.phase === "Terminating" || now.metadata.deletionTimestamp !== undefined) {
              return alreadyDone("the namespace is already being deleted");
            }
          } catch (again) {
            if (hasCode(again, "NotFound")) return alreadyDone("the namespace no longer exists");
          }
        }
        throw err;
      }
    });
  },
};

/**
 * Applies `change` to every Deployment and StatefulSet; one workload's failure does
 * not stop the others, and the result names every failure.
 */
async function eachWorkload(
  kube: KubeClient,
  namespace: string,
  change: (resource: WorkloadResource, workload: KubeObject) => Promise<"unchanged" | { auditId?: string }>,
): Promise<OperationResult> {
  let changed = 0;
  let requestId: string | undefined;
  const problems: { name: string; err: unknown }[] = [];
  for (const resourceType of WORKLOADS) {
    const workloads = await kube.listWorkloads(resourceType, namespace);
    for (const workload of workloads) {
      try {
        const outcome = await change(resourceType, workload);
        if (outcome !== "unchanged") {
          changed++;
          requestId = outcome.auditId ?? requestId;
        }
      } catch (err) {
        problems.push({ name: `${resourceType}/${workload.metadata.name}`, err });
      }
    }
  }
  if (problems.length > 0) {
    const first = problems[0];
    return {
      ok: false,
      code: errorCode(first.err),
      message: problems.map((p) => `${p.name}: ${p.err instanceof Error ? p.err.message : String(p.err)}`).join("; "),
      ...(requestIdOf(first.err) === undefined ? {} : { requestId: requestIdOf(first.err) }),
      facts: { workloadsChanged: changed, workloadsFailed: problems.length },
    };
  }
  if (changed === 0) return alreadyDone("no workload in the namespace needed a change", undefined, { workloadsChanged: 0 });
  return done(requestId, { workloadsChanged: changed });
}

function parseId(id: string): { cluster: string; namespace: string } {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) {
    throw new KubeApiError("InvalidResourceId", `namespace id ${JSON.stringify(id)} is not cluster/namespace`, 0);
  }
  return { cluster: id.slice(0, slash), namespace: id.slice(slash + 1) };
}

/** `{managedBy: "ephemera.dev/managed-by"}` → `{"ephemera:managed-by": "ephemera.dev/managed-by"}`. */
function pairKeys(k8s: Readonly<Record<string, string>>): ReadonlyMap<string, string> {
  const tags = TAG as Readonly<Record<string, string>>;
  return new Map(Object.entries(k8s).map(([field, key]) => [tags[field], key]));
}

/**
 * The namespace's `ephemera.dev/*` labels and annotations as `ephemera:*` tags: the
 * model's maps first, then any other `ephemera.dev/<x>` as `ephemera:<x>`.
 */
export function tagsOfK8sMetadata(labels: Tags = {}, annotations: Tags = {}): Tags {
  const tags: Record<string, string> = {};
  for (const source of [annotations, labels]) {
    for (const [key, value] of Object.entries(source)) {
      if (key.startsWith(K8S_PREFIX)) tags[TAG_PREFIX + key.slice(K8S_PREFIX.length)] = value;
    }
  }
  for (const [tag, label] of LABEL_OF_TAG) if (labels[label] !== undefined) tags[tag] = labels[label];
  for (const [tag, annotation] of ANNOTATION_OF_TAG) if (annotations[annotation] !== undefined) tags[tag] = annotations[annotation];
  return tags;
}

/** The labels/annotations merge patch that writes `tags`, or why it cannot be written. */
export function metadataPatch(
  tags: Readonly<Record<string, string>>,
): { metadata: { labels: MergePatch; annotations: MergePatch } } | { refusal: OperationResult } {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [tag, value] of Object.entries(tags)) {
    if (!tag.startsWith(TAG_PREFIX)) {
      return { refusal: refused("UnsupportedTagKey", `${JSON.stringify(tag)} is not an ${TAG_PREFIX}* key; namespaces carry only those`) };
    }
    const label = LABEL_OF_TAG.get(tag);
    if (label !== undefined) {
      if (!isK8sLabelValue(value)) {
        return { refusal: refused("InvalidLabelValue", `${JSON.stringify(value)} is not a valid value for label ${label}`) };
      }
      labels[label] = value;
    } else {
      annotations[ANNOTATION_OF_TAG.get(tag) ?? K8S_PREFIX + tag.slice(TAG_PREFIX.length)] = value;
    }
  }
  // kube-janitor deletes at `janitor/expires`: an extension that left it behind would be undone early.
  // Only `ephemera extend` writes extended-until, always at or after the environment's expiry, so this never moves it earlier.
  const extendedUntil = tags[TAG.extendedUntil] === undefined ? undefined : tryParseInstant(tags[TAG.extendedUntil]);
  if (extendedUntil?.ok) annotations[JANITOR_EXPIRES_ANNOTATION] = formatJanitorExpires(extendedUntil.value);
  return { metadata: { labels, annotations } };
}

function toResource(ctx: KindContext, cluster: string, ns: KubeObject): DiscoveredResource {
  return {
    kind: "k8s-namespace",
    id: `${cluster}/${ns.metadata.name}`,
    region: ctx.region,
    tags: tagsOfK8sMetadata(ns.metadata.labels, ns.metadata.annotations),
    ...(ns.status?.phase === undefined ? {} : { status: ns.status.phase }),
    facts: { cluster, namespace: ns.metadata.name },
  };
}
