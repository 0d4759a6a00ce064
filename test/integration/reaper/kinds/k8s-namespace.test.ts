import { k8sNamespaceAdapter } from "../../../../reaper/kinds/k8s-namespace";
import { AwsKindContext, type KindContextOptions } from "../../../../reaper/runtime/aws-kind-context";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { KubeClient } from "../../../../reaper/kube/kube-client";
import { eksTokenProblem, useKubeApiDouble } from "../../../../harness/kube-api-double";

// Kubernetes here is a local HTTP double of the few API paths the reaper uses
// (harness/kube-api-double.ts), not an API server: none can run on these machines.
const kubeApi = useKubeApiDouble();

const CLUSTER = "shared";
const MANAGED_LABELS = { "ephemera.dev/managed-by": "ephemera", "ephemera.dev/env": "pr-7", "ephemera.dev/on-expiry": "pause" };
const MANAGED_ANNOTATIONS = {
  "ephemera.dev/owner": "team-web@example.com",
  "ephemera.dev/ttl": "8h",
  "ephemera.dev/created-at": "2026-05-01T12:00:00Z",
  "janitor/expires": "2026-05-01T20:00:00Z",
};

let contexts: AwsKindContext[] = [];

/** A context whose Kubernetes clients talk to the double over plain http, with real EKS tokens. */
function context(options: Partial<KindContextOptions> = {}): AwsKindContext {
  const ctx = new AwsKindContext({
    aws: { region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" } },
    auditBucket: "ephemera-audit",
    kubernetesClusters: [CLUSTER],
    kubeClientFactory: (cluster, self) => new KubeClient({ server: kubeApi().url, token: self.eksTokenProvider(cluster), pageSize: 2 }),
    ...options,
  });
  contexts.push(ctx);
  return ctx;
}

afterEach(async () => {
  await Promise.all(contexts.map((c) => c.destroy()));
  contexts = [];
});

function seedNamespace(name = "pr-7"): DiscoveredResource {
  kubeApi().addNamespace(name, { labels: MANAGED_LABELS, annotations: MANAGED_ANNOTATIONS });
  return {
    kind: "k8s-namespace",
    id: `${CLUSTER}/${name}`,
    region: "us-east-1",
    tags: { "ephemera:managed-by": "ephemera", "ephemera:env": "pr-7" },
    facts: { cluster: CLUSTER, namespace: name },
  };
}

function seedWorkloads(namespace = "pr-7"): void {
  kubeApi().addWorkload("deployments", namespace, "web", { replicas: 3 });
  kubeApi().addWorkload("deployments", namespace, "worker", { replicas: 1 });
  kubeApi().addWorkload("deployments", namespace, "cron-idle", { replicas: 0 });
  kubeApi().addWorkload("statefulsets", namespace, "postgres", { replicas: 2 });
}

function replicas(namespace = "pr-7"): Record<string, unknown> {
  const read = (kind: "deployments" | "statefulsets", name: string) => {
    const w = kubeApi().workload(kind, namespace, name) as { spec: { replicas: number }; metadata: { annotations?: Record<string, string> } };
    return [w.spec.replicas, w.metadata.annotations?.["ephemera.dev/paused-size"]];
  };
  return {
    web: read("deployments", "web"),
    worker: read("deployments", "worker"),
    "cron-idle": read("deployments", "cron-idle"),
    postgres: read("statefulsets", "postgres"),
  };
}

describe("k8s-namespace adapter (against the Kubernetes API double)", () => {
  it("lists namespaces labelled managed-by=ephemera, reading labels and annotations back as ephemera:* tags", async () => {
    seedNamespace();
    kubeApi().addNamespace("kube-system");
    kubeApi().addNamespace("theirs", { labels: { "ephemera.dev/managed-by": "argo", "ephemera.dev/env": "pr-7" } });
    const { resources, failures } = await k8sNamespaceAdapter.list(context());
    expect(failures).toEqual([]);
    expect(resources).toEqual([
      {
        kind: "k8s-namespace",
        id: "shared/pr-7",
        region: "us-east-1",
        tags: {
          "ephemera:managed-by": "ephemera",
          "ephemera:env": "pr-7",
          "ephemera:on-expiry": "pause",
          "ephemera:owner": "team-web@example.com",
          "ephemera:ttl": "8h",
          "ephemera:created-at": "2026-05-01T12:00:00Z",
        },
        status: "Active",
        facts: { cluster: "shared", namespace: "pr-7" },
      },
    ]);
    expect(kubeApi().requests[0].query.labelSelector).toBe("ephemera.dev/managed-by=ephemera");
  });

  it("follows the API's continue token through every page", async () => {
    for (const name of ["pr-1", "pr-2", "pr-3", "pr-4", "pr-5"]) seedNamespace(name);
    const { resources } = await k8sNamespaceAdapter.list(context());
    expect(resources.map((r) => r.id)).toEqual(["shared/pr-1", "shared/pr-2", "shared/pr-3", "shared/pr-4", "shared/pr-5"]);
    expect(kubeApi().requests.filter((r) => r.path === "/api/v1/namespaces")).toHaveLength(3);
  });

  it("sends a well-formed EKS bearer token with every request", async () => {
    const resource = seedNamespace();
    seedWorkloads();
    const ctx = context();
    await k8sNamespaceAdapter.list(ctx);
    await k8sNamespaceAdapter.pause!(ctx, resource);
    expect(kubeApi().requests.length).toBeGreaterThan(3);
    for (const request of kubeApi().requests) expect(eksTokenProblem(request.authorization)).toBeUndefined();
  });

  it("a cluster that rejects the token is a listing failure, not an empty list", async () => {
    seedNamespace();
    const ctx = context({
      kubeClientFactory: () => new KubeClient({ server: kubeApi().url, token: async () => "not-a-token" }),
    });
    expect(await k8sNamespaceAdapter.list(ctx)).toEqual({
      resources: [],
      failures: [{ kind: "k8s-namespace", scope: "cluster shared", code: "Unauthorized", message: expect.any(String) }],
    });
  });

  it("a namespace page that fails after a good one is a listing failure with no namespaces", async () => {
    for (const name of ["pr-1", "pr-2", "pr-3"]) seedNamespace(name);
    kubeApi().failNext({ method: "GET", path: /^\/api\/v1\/namespaces$/, withQuery: "continue" }, 503, "ServiceUnavailable");
    const { resources, failures } = await k8sNamespaceAdapter.list(context());
    expect(kubeApi().requests.map((r) => r.status)).toEqual([200, 503]);
    expect(resources).toEqual([]);
    expect(failures).toEqual([
      { kind: "k8s-namespace", scope: "cluster shared", code: "ServiceUnavailable", message: expect.any(String) },
    ]);
  });

  it("tag writes labels and annotations and keeps the ones already there", async () => {
    const resource = seedNamespace();
    const result = await k8sNamespaceAdapter.tag(context(), resource, {
      "ephemera:state": "paused",
      "ephemera:extended-until": "2026-05-02T12:00:00Z",
    });
    expect(result).toMatchObject({ ok: true, requestId: expect.any(String) });
    const ns = kubeApi().namespace("pr-7") as { metadata: { labels: object; annotations: object } };
    expect(ns.metadata.labels).toEqual({ ...MANAGED_LABELS, "ephemera.dev/state": "paused" });
    // kube-janitor's expiry follows the extension, or the janitor would delete the namespace early.
    expect(ns.metadata.annotations).toEqual({ ...MANAGED_ANNOTATIONS, "ephemera.dev/extended-until": "2026-05-02T12:00:00Z", "janitor/expires": "2026-05-02T12:00:00Z" });
    const patch = kubeApi().requests.find((r) => r.method === "PATCH");
    expect(patch?.contentType).toBe("application/merge-patch+json");
  });

  it("tag refuses a value Kubernetes would not take as a label, and writes nothing", async () => {
    const resource = seedNamespace();
    const result = await k8sNamespaceAdapter.tag(context(), resource, { "ephemera:state": "paused:now" });
    expect(result).toMatchObject({ ok: false, code: "InvalidLabelValue" });
    expect(kubeApi().requests.filter((r) => r.method === "PATCH")).toEqual([]);
  });

  it("pause scales every Deployment and StatefulSet to 0, remembering each replica count in an annotation", async () => {
    const resource = seedNamespace();
    seedWorkloads();
    const result = await k8sNamespaceAdapter.pause!(context(), resource);
    expect(result).toMatchObject({ ok: true, facts: { workloadsChanged: 3 } });
    expect(replicas()).toEqual({ web: [0, "3"], worker: [0, "1"], "cron-idle": [0, undefined], postgres: [0, "2"] });
  });

  it("a second pause is already done and keeps the remembered counts", async () => {
    const resource = seedNamespace();
    seedWorkloads();
    const ctx = context();
    await k8sNamespaceAdapter.pause!(ctx, resource);
    expect(await k8sNamespaceAdapter.pause!(ctx, resource)).toMatchObject({ ok: true, alreadyDone: true });
    expect(replicas()).toEqual({ web: [0, "3"], worker: [0, "1"], "cron-idle": [0, undefined], postgres: [0, "2"] });
  });

  it("resume restores every replica count exactly and removes the annotations", async () => {
    const resource = seedNamespace();
    seedWorkloads();
    const ctx = context();
    await k8sNamespaceAdapter.pause!(ctx, resource);
    expect(await k8sNamespaceAdapter.resume!(ctx, resource)).toMatchObject({ ok: true, facts: { workloadsChanged: 3 } });
    expect(replicas()).toEqual({ web: [3, undefined], worker: [1, undefined], "cron-idle": [0, undefined], postgres: [2, undefined] });
  });

  it("a second resume is already done", async () => {
    const resource = seedNamespace();
    seedWorkloads();
    const ctx = context();
    await k8sNamespaceAdapter.pause!(ctx, resource);
    await k8sNamespaceAdapter.resume!(ctx, resource);
    expect(await k8sNamespaceAdapter.resume!(ctx, resource)).toMatchObject({ ok: true, alreadyDone: true });
    expect(replicas()).toEqual({ web: [3, undefined], worker: [1, undefined], "cron-idle": [0, undefined], postgres: [2, undefined] });
  });

  it("one workload that cannot be scaled fails the pause with its reason, and the others are still scaled", async () => {
    const resource = seedNamespace();
    seedWorkloads();
    kubeApi().failNext({ method: "PATCH", path: /\/deployments\/worker$/ }, 403, "Forbidden");
    const result = await k8sNamespaceAdapter.pause!(context(), resource);
    expect(result).toMatchObject({ ok: false, code: "Forbidden", facts: { workloadsChanged: 2, workloadsFailed: 1 } });
    expect(result.message).toContain("deployments/worker");
    expect(replicas()).toMatchObject({ web: [0, "3"], worker: [1, undefined], postgres: [0, "2"] });
  });

  it("delete removes the namespace and a second delete is already done", async () => {
    const resource = seedNamespace();
    const ctx = context();
    expect(await k8sNamespaceAdapter.delete(ctx, resource, {})).toMatchObject({ ok: true, requestId: expect.any(String) });
    expect(kubeApi().namespace("pr-7")).toBeUndefined();
    expect(await k8sNamespaceAdapter.delete(ctx, resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("deleting a namespace that is still terminating is already done", async () => {
    kubeApi().setTerminatingNamespaces(true);
    const resource = seedNamespace();
    const ctx = context();
    expect(await k8sNamespaceAdapter.delete(ctx, resource, {})).toMatchObject({ ok: true });
    expect(await k8sNamespaceAdapter.delete(ctx, resource, {})).toMatchObject({ ok: true, alreadyDone: true });
    expect(kubeApi().requests.filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([200, 409]);
  });
});
