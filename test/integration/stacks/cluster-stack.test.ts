import { ClusterStack, clusterStackName } from "../../../stacks/cluster-stack";
import { EnvironmentStack, environmentStackName } from "../../../stacks/environment-stack";
import { synthStack } from "../../../harness/terraform";
import { useKubeApiDouble } from "../../../harness/kube-api-double";
import { applyKubernetes, PostconditionFailed } from "../../../harness/kube-apply";
import type { SandboxIsolation } from "../../../reaper/model";
import { ENVIRONMENT_CONFIG } from "../../support/stack-fixtures";

// The Kubernetes API is the double (harness/kube-api-double.ts) and the apply a replay of
// each synthesized stack's kubernetes_* resources (harness/kube-apply.ts), in the order a
// platform team deploys them: the cluster stack once, then environments.
const kubeApi = useKubeApiDouble();

const clusterStack = (levels?: readonly SandboxIsolation[]) =>
  synthStack((app) => new ClusterStack(app, clusterStackName("previews"), { clusterName: "previews", region: "us-east-1", ...(levels ? { levels } : {}) }));
const gvisorEnvironment = () =>
  synthStack((app) => new EnvironmentStack(app, environmentStackName("pr-123"), { ...ENVIRONMENT_CONFIG, isolation: "gvisor" }));

const failuresOf = async (apply: Promise<unknown>) => {
  const failed = await apply.catch((err: unknown) => err);
  expect(failed).toBeInstanceOf(PostconditionFailed);
  return (failed as PostconditionFailed).failures.map((f) => f.errorMessage).sort();
};

describe("deploying the cluster stack, then a gVisor environment stack (to the API double)", () => {
  it("refuses the environment's plan, naming the fix, before the cluster stack, and creates nothing", async () => {
    expect(await failuresOf(applyKubernetes(gvisorEnvironment(), kubeApi().url))).toEqual([
      `isolation "gvisor" needs the RuntimeClass ephemera-gvisor on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
      `isolation "gvisor" needs the ValidatingAdmissionPolicy ephemera-sandbox-runtime on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
      `isolation "gvisor" needs the ValidatingAdmissionPolicyBinding ephemera-sandbox-runtime on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
    ]);
    expect(kubeApi().requests.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("creates the cluster's RuntimeClasses and admission policy, after which the environment's checks pass and its namespace is created", async () => {
    const cluster = await applyKubernetes(clusterStack(), kubeApi().url);
    expect([...cluster.created].sort()).toEqual([
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/ephemera-sandbox-runtime",
      "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings/ephemera-sandbox-runtime",
      "/apis/node.k8s.io/v1/runtimeclasses/ephemera-gvisor",
      "/apis/node.k8s.io/v1/runtimeclasses/ephemera-kata",
    ]);
    expect(cluster.skipped).toEqual([]);

    const env = await applyKubernetes(gvisorEnvironment(), kubeApi().url);
    expect(env.created).toEqual(["/api/v1/namespaces/env-pr-123"]);
    expect((kubeApi().namespace("env-pr-123")!.metadata as { labels: Record<string, string> }).labels).toMatchObject({ "ephemera.dev/isolation": "gvisor" });
  });

  it("still refuses a gVisor environment on a cluster stack that runs only Kata, naming the missing RuntimeClass", async () => {
    await applyKubernetes(clusterStack(["kata"]), kubeApi().url);
    expect(await failuresOf(applyKubernetes(gvisorEnvironment(), kubeApi().url))).toEqual([
      `isolation "gvisor" needs the RuntimeClass ephemera-gvisor on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
    ]);
    expect(kubeApi().namespace("env-pr-123")).toBeUndefined();
  });
});
