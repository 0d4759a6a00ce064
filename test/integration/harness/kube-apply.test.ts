import { Testing } from "../../../constructs/core";
import { EphemeralEnvironment, EphemeralEnvironmentProps } from "../../../constructs/ephemeral-environment";
import { SandboxRuntimes } from "../../../constructs/sandbox-runtimes";
import { useKubeApiDouble } from "../../../harness/kube-api-double";
import { applyKubernetes, PostconditionFailed } from "../../../harness/kube-apply";
import { createEksToken } from "../../../reaper/kube/eks-token";
import type { Isolation } from "../../../reaper/model";

// The Kubernetes API here is the double (harness/kube-api-double.ts), and the apply is a
// replay of the synthesized kubernetes_* resources (harness/kube-apply.ts): no kubernetes
// provider or API server can run on these machines.
const kubeApi = useKubeApiDouble();

const ENV: EphemeralEnvironmentProps = {
  envId: "pr-7",
  owner: "agent-runner@example.com",
  budgetUsd: 10,
  clusterName: "shared",
  vpcId: "vpc-0abc",
  privateSubnetIds: ["subnet-0a", "subnet-0b"],
  clusterSecurityGroupId: "sg-0cluster",
  pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
  database: false,
};

const environment = (envId: string, isolation?: Isolation) =>
  JSON.parse(Testing.synthScope((scope) => new EphemeralEnvironment(scope, "env", { ...ENV, envId, ...(isolation ? { isolation } : {}) }))) as Record<string, unknown>;
const sandboxRuntimes = () => JSON.parse(Testing.synthScope((scope) => new SandboxRuntimes(scope, "sandbox"))) as Record<string, unknown>;

async function post(path: string, body: unknown): Promise<{ status: number; body: { message?: string } }> {
  const token = await createEksToken({ clusterName: "double", region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "example-secret" } });
  const res = await fetch(`${kubeApi().url}${path}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { message?: string } };
}

const pod = (name: string, runtimeClassName?: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: {
    ...(runtimeClassName ? { runtimeClassName } : {}),
    nodeSelector: { "ephemera.dev/env": "pr-7" },
    tolerations: [{ key: "ephemera.dev/env", operator: "Equal", value: "pr-7", effect: "NoSchedule" }],
    containers: [{ name: "agent", image: "ghcr.io/acme/agent:1" }],
  },
});

describe("applying an isolated environment's Kubernetes objects (to the API double)", () => {
  it("fails at plan, naming the fix, on a cluster without SandboxRuntimes, and creates nothing", async () => {
    const failed = await applyKubernetes(environment("pr-7", "gvisor"), kubeApi().url).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(PostconditionFailed);
    expect((failed as PostconditionFailed).failures.map((f) => f.errorMessage).sort()).toEqual([
      `isolation "gvisor" needs the RuntimeClass ephemera-gvisor on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
      `isolation "gvisor" needs the ValidatingAdmissionPolicy ephemera-sandbox-runtime on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
      `isolation "gvisor" needs the ValidatingAdmissionPolicyBinding ephemera-sandbox-runtime on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
    ]);
    expect(kubeApi().namespace("env-pr-7")).toBeUndefined();
    expect(kubeApi().requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("creates the RuntimeClasses and the policy once per cluster, then only the labelled namespace per environment", async () => {
    const cluster = await applyKubernetes(sandboxRuntimes(), kubeApi().url);
    expect([...cluster.created].sort()).toEqual([
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/ephemera-sandbox-runtime",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/ephemera-sandbox-runtime",
      "/apis/node.k8s.io/v1/runtimeclasses/ephemera-gvisor",
      "/apis/node.k8s.io/v1/runtimeclasses/ephemera-kata",
    ]);
    expect(cluster.created.at(-1)).toMatch(/validatingadmissionpolicybindings/);
    const env = await applyKubernetes(environment("pr-7", "gvisor"), kubeApi().url);
    expect(env.created).toEqual(["/api/v1/namespaces/env-pr-7"]);
    expect(env.skipped).toEqual(expect.arrayContaining([expect.stringMatching(/^kubernetes_resource_quota_v1\./)]));
    expect((kubeApi().namespace("env-pr-7")!.metadata as { labels: Record<string, string> }).labels).toMatchObject({ "ephemera.dev/isolation": "gvisor", "kubernetes.io/metadata.name": "env-pr-7" });
    expect(kubeApi().clusterObject("runtimeclasses", "ephemera-gvisor")).toMatchObject({ handler: "runsc", overhead: { podFixed: { cpu: "100m", memory: "64Mi" } } });
    await expect(applyKubernetes(sandboxRuntimes(), kubeApi().url)).rejects.toThrow(/409 .*already exists/);
  });

  it("then refuses a pod without the RuntimeClass, with the policy's message, and admits one with it onto the sandbox nodes", async () => {
    await applyKubernetes(sandboxRuntimes(), kubeApi().url);
    await applyKubernetes(environment("pr-7", "gvisor"), kubeApi().url);

    const refused = await post("/api/v1/namespaces/env-pr-7/pods", pod("plain"));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      `pods "plain" is forbidden: ValidatingAdmissionPolicy 'ephemera-sandbox-runtime' with binding 'ephemera-sandbox-runtime' denied request: ` +
        "Pod plain in namespace env-pr-7 must run in the gvisor sandbox: set spec.runtimeClassName: ephemera-gvisor (it has none)",
    );
    expect((await post("/api/v1/namespaces/env-pr-7/pods", pod("vm", "ephemera-kata"))).status).toBe(403);
    expect(kubeApi().pod("env-pr-7", "plain")).toBeUndefined();

    const admitted = await post("/api/v1/namespaces/env-pr-7/pods", pod("sandboxed", "ephemera-gvisor"));
    expect(admitted.status).toBe(201);
    expect(kubeApi().pod("env-pr-7", "sandboxed")!.spec).toMatchObject({
      overhead: { cpu: "100m", memory: "64Mi" },
      nodeSelector: { "ephemera.dev/env": "pr-7", "ephemera.dev/sandbox": "gvisor" },
      tolerations: expect.arrayContaining([{ key: "ephemera.dev/sandbox", operator: "Equal", value: "gvisor", effect: "NoSchedule" }]),
    });
  });

  it("refuses a Deployment whose template lacks the RuntimeClass, naming the template's field", async () => {
    await applyKubernetes(sandboxRuntimes(), kubeApi().url);
    await applyKubernetes(environment("pr-7", "kata"), kubeApi().url);
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 1, template: { spec: pod("x").spec } } };
    const refused = await post("/apis/apps/v1/namespaces/env-pr-7/deployments", deployment);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain("set spec.template.spec.runtimeClassName: ephemera-kata (it has none)");
    const fixed = { ...deployment, spec: { ...deployment.spec, template: { spec: { ...pod("x").spec, runtimeClassName: "ephemera-kata" } } } };
    expect((await post("/apis/apps/v1/namespaces/env-pr-7/deployments", fixed)).status).toBe(201);
  });

  it("leaves an unsandboxed environment's pods alone, on the same cluster", async () => {
    await applyKubernetes(sandboxRuntimes(), kubeApi().url);
    const env = await applyKubernetes(environment("pr-8"), kubeApi().url);
    expect(env.created).toEqual(["/api/v1/namespaces/env-pr-8"]);
    expect((await post("/api/v1/namespaces/env-pr-8/pods", pod("plain"))).status).toBe(201);
  });
});
