import { EnvironmentConfig } from "../../../stacks/environment-config";
import { ENVIRONMENT_CONFIG, type SynthesizedStack } from "../../support/stack-fixtures";
import { EnvironmentStack, environmentStackName } from "../../../stacks/environment-stack";
import { TAG } from "../../../reaper/model";
import { synthStack } from "../../../harness/terraform";

type Tf = SynthesizedStack;
const CONFIG = ENVIRONMENT_CONFIG;

const synthEnvironment = (config: Partial<EnvironmentConfig> = {}): Tf => {
  const merged = { ...CONFIG, ...config };
  return synthStack((app) => new EnvironmentStack(app, environmentStackName(merged.envId), merged)) as unknown as Tf;
};

describe("EnvironmentStack", () => {
  it("is named env-<id>", () => {
    expect(environmentStackName("pr-123")).toBe("env-pr-123");
  });

  it("outputs the namespace, the database endpoint and secret ARN, the expiry and the budget name", () => {
    const { output } = synthEnvironment();
    expect(Object.keys(output).sort()).toEqual(["budget_name", "database_endpoint", "database_secret_arn", "database_source", "env_id", "expires_at", "namespace", "service_account"]);
    expect(output.namespace!.value).toBe("env-pr-123");
    expect(output.env_id!.value).toBe("pr-123");
    expect(output.database_endpoint!.value).toMatch(/^\$\{aws_db_instance\..+\.endpoint\}$/);
    expect(output.database_secret_arn!.value).toMatch(/^\$\{aws_secretsmanager_secret\..+\.arn\}$/);
    expect(output.budget_name!.value).toMatch(/^\$\{aws_budgets_budget\..+\.name\}$/);
    expect(output.expires_at!.value).toContain(`tags_all["${TAG.createdAt}"], "48h0m")`);
  });

  it("outputs no database endpoint or secret without a database", () => {
    const { output } = synthEnvironment({ database: false, baselineSnapshot: undefined });
    expect(output).not.toHaveProperty("database_endpoint");
    expect(output).not.toHaveProperty("database_secret_arn");
  });

  it("keeps local state, one file per environment, when no state bucket is given", () => {
    const { backend } = synthEnvironment().terraform;
    expect(Object.keys(backend ?? {})).toEqual(["local"]);
    expect(String(backend!.local!.path)).toMatch(/terraform\.env-pr-123\.tfstate$/);
  });

  it("keeps each environment's state in its own key of the S3 state bucket, encrypted and locked", () => {
    const tf = synthEnvironment({ stateBucket: "acme-terraform-state", stateLockTable: "terraform-locks" });
    expect(tf.terraform.backend).toEqual({
      s3: { bucket: "acme-terraform-state", key: "ephemera/environments/pr-123/terraform.tfstate", region: "us-east-1", encrypt: true, dynamodb_table: "terraform-locks" },
    });
  });

  it("reads the cluster's security group and API endpoint from the EKS cluster by name", () => {
    const tf = synthEnvironment();
    expect(tf.data.aws_eks_cluster!.cluster).toMatchObject({ name: "previews" });
    const [template] = Object.values(tf.resource.aws_launch_template!);
    expect(template!.vpc_security_group_ids).toContain("${data.aws_eks_cluster.cluster.vpc_config[0].cluster_security_group_id}");
    expect(tf.provider.kubernetes).toEqual([expect.objectContaining({ host: "${data.aws_eks_cluster.cluster.endpoint}" })]);
  });

  it("gets a fresh Kubernetes token when the provider starts, so a long database restore cannot outlive it", () => {
    const [kubernetes] = synthEnvironment().provider.kubernetes!;
    expect(kubernetes!.token).toBeUndefined();
    expect(kubernetes!.exec).toEqual([
      { api_version: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", "previews", "--region", "us-east-1"] },
    ]);
  });

  it("tags the environment's resources with the inputs", () => {
    const tf = synthEnvironment();
    const [budget] = Object.values(tf.resource.aws_budgets_budget!);
    expect(budget!.tags).toMatchObject({ [TAG.env]: "pr-123", [TAG.owner]: "octocat", [TAG.ttl]: "2d", [TAG.budgetUsd]: "25" });
  });

  it("uses IRSA with the cluster's OIDC provider", () => {
    const tf = synthEnvironment();
    expect(tf.resource.aws_eks_pod_identity_association).toBeUndefined();
    const [trust] = Object.values(tf.data.aws_iam_policy_document!);
    expect(trust!.statement[0].principals).toEqual([{ type: "Federated", identifiers: [CONFIG.oidcProviderArn] }]);
  });

  it("builds the environment's nodes for the isolation and instance types it is given", () => {
    const tf = synthEnvironment({ isolation: "kata", instanceTypes: ["m5.metal", "m5d.metal", "m5n.metal"] });
    const [group] = Object.values(tf.resource.aws_eks_node_group!);
    expect(group).toMatchObject({ instance_types: ["m5.metal", "m5d.metal", "m5n.metal"], labels: { "ephemera.dev/sandbox": "kata" } });
    const [template] = Object.values(tf.resource.aws_launch_template!);
    expect(Buffer.from(template!.user_data as string, "base64").toString("utf8")).toContain("runtimes.kata-qemu]");
  });

  it("runs a sandbox on shared nodes only when the shared pool is said to be built for it", () => {
    const shared = { database: false, baselineSnapshot: undefined, nodes: "shared" as const, isolation: "gvisor" as const };
    expect(() => synthEnvironment(shared)).toThrow(/nodes "shared" gives isolation "gvisor" no sandbox nodes/);
    expect(synthEnvironment({ ...shared, sharedPoolIsolation: "gvisor" }).resource.aws_eks_node_group).toBeUndefined();
  });

  it("lets the workload append to its decision trace in the audit bucket it is given, and grants nothing without one", () => {
    const key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    const tf = synthEnvironment({ decisionTrace: { auditBucketName: "acme-ephemera-audit", auditKmsKeyArn: key } });
    const [grant, ...others] = Object.values(tf.resource.aws_iam_role_policy ?? {});
    expect(others).toEqual([]);
    expect(grant!.name).toBe("ephemera-trace-append");
    expect(grant!.policy).toContain('"arn:aws:s3:::acme-ephemera-audit/traces/pr-123/*"');
    expect(grant!.policy).toContain(`"Resource":"${key}"`);
    expect(synthEnvironment().resource.aws_iam_role_policy).toBeUndefined();
  });
});
