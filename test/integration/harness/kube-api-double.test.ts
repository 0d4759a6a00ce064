import { useKubeApiDouble } from "../../../harness/kube-api-double";
import { createEksToken } from "../../../reaper/kube/eks-token";

// The double's admission steps, which the sandbox tests rely on, checked on their own.
const kubeApi = useKubeApiDouble();

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: { message?: string; reason?: string } }> {
  const token = await createEksToken({ clusterName: "double", region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" } });
  const res = await fetch(`${kubeApi().url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { message?: string; reason?: string } };
}

const RUNTIME_CLASS = {
  apiVersion: "node.k8s.io/v1",
  kind: "RuntimeClass",
  metadata: { name: "sandboxed" },
  handler: "runsc",
  overhead: { podFixed: { cpu: "100m", memory: "64Mi" } },
  scheduling: { nodeSelector: { sandbox: "yes" }, tolerations: [{ key: "sandbox", operator: "Exists", effect: "NoSchedule" }] },
};

const pod = (name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec: { containers: [{ name: "c", image: "busybox" }], ...spec } });

describe("the Kubernetes API double's creates and admission", () => {
  beforeEach(async () => {
    expect((await call("POST", "/api/v1/namespaces", { metadata: { name: "team" } })).status).toBe(201);
    expect((await call("POST", "/apis/node.k8s.io/v1/runtimeclasses", RUNTIME_CLASS)).status).toBe(201);
  });

  it("creates a namespace once, with the label the API server adds", async () => {
    expect(kubeApi().namespace("team")).toMatchObject({ metadata: { labels: { "kubernetes.io/metadata.name": "team" } } });
    expect(await call("POST", "/api/v1/namespaces", { metadata: { name: "team" } })).toMatchObject({ status: 409, body: { reason: "AlreadyExists" } });
  });

  it("lists, gets and deletes cluster-scoped objects", async () => {
    expect(kubeApi().clusterObjectNames("runtimeclasses")).toEqual(["sandboxed"]);
    expect((await call("GET", "/apis/node.k8s.io/v1/runtimeclasses/sandboxed")).status).toBe(200);
    expect((await call("DELETE", "/apis/node.k8s.io/v1/runtimeclasses/sandboxed")).status).toBe(200);
    expect((await call("GET", "/apis/node.k8s.io/v1/runtimeclasses/sandboxed")).status).toBe(404);
  });

  it("refuses a pod naming a RuntimeClass that does not exist", async () => {
    expect(await call("POST", "/api/v1/namespaces/team/pods", pod("p", { runtimeClassName: "missing" }))).toMatchObject({
      status: 403,
      body: { message: 'pod rejected: RuntimeClass "missing" not found' },
    });
  });

  it("copies the RuntimeClass's overhead and scheduling into the pod", async () => {
    expect((await call("POST", "/api/v1/namespaces/team/pods", pod("p", { runtimeClassName: "sandboxed", nodeSelector: { zone: "a" } }))).status).toBe(201);
    expect(kubeApi().pod("team", "p")!.spec).toMatchObject({
      overhead: { cpu: "100m", memory: "64Mi" },
      nodeSelector: { zone: "a", sandbox: "yes" },
      tolerations: [{ key: "sandbox", operator: "Exists", effect: "NoSchedule" }],
    });
  });

  it("refuses a pod whose nodeSelector conflicts with the RuntimeClass's, or that sets another overhead", async () => {
    expect((await call("POST", "/api/v1/namespaces/team/pods", pod("p", { runtimeClassName: "sandboxed", nodeSelector: { sandbox: "no" } }))).status).toBe(403);
    expect((await call("POST", "/api/v1/namespaces/team/pods", pod("q", { runtimeClassName: "sandboxed", overhead: { cpu: "1m" } }))).status).toBe(403);
    expect(kubeApi().pod("team", "p")).toBeUndefined();
  });

  it("deletes a namespace's pods with it", async () => {
    await call("POST", "/api/v1/namespaces/team/pods", pod("p"));
    expect(kubeApi().pod("team", "p")).toBeDefined();
    await call("DELETE", "/api/v1/namespaces/team");
    expect(kubeApi().pod("team", "p")).toBeUndefined();
  });
});
