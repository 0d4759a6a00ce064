import { DataAwsEksCluster } from "@cdktf/provider-aws/lib/data-aws-eks-cluster";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
// This app is Ephemera's user, not Ephemera: it names cdktf itself (the rule is Ephemera's own).
// eslint-disable-next-line no-restricted-imports
import { Fn, TerraformOutput, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { EphemeralEnvironment } from "ephemera";

/** The ids of what this repo already has. */
export interface ExistingPlatform {
  readonly region: string;
  readonly vpcId: string;
  readonly privateSubnetIds: readonly string[];
  readonly clusterName: string;
  /** EKS DescribeCluster `clusterSecurityGroupId`: the environment's nodes keep it. */
  readonly clusterSecurityGroupId: string;
  readonly oidcProviderArn: string;
  /** The database whose latest snapshot each preview restores. */
  readonly baselineDbInstance: string;
  /** Ephemera's pause topic (from its platform stack, or a topic of your own that budgets may publish to). */
  readonly pauseTopicArn: string;
}

export interface PreviewStackProps {
  readonly platform: ExistingPlatform;
  /** DNS-label safe, e.g. `pr-123` or `agent-7f3a`. */
  readonly envId: string;
  readonly owner: string;
  /** @default 8h */
  readonly ttl?: string;
  /** @default 15 */
  readonly budgetUsd?: number;
}

/** One preview environment, composed into this app's own stack with this app's providers. */
export class PreviewStack extends TerraformStack {
  readonly environment: EphemeralEnvironment;

  constructor(scope: Construct, id: string, props: PreviewStackProps) {
    super(scope, id);
    const { platform } = props;

    // The providers are this app's, configured its way: Ephemera's constructs bring none.
    new AwsProvider(this, "aws", { region: platform.region, defaultTags: [{ tags: { team: "web", repo: "acme/web" } }] });
    const cluster = new DataAwsEksCluster(this, "cluster", { name: platform.clusterName });
    new KubernetesProvider(this, "kubernetes", {
      host: cluster.endpoint,
      clusterCaCertificate: Fn.base64decode(cluster.certificateAuthority.get(0).data),
      exec: [{ apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", platform.clusterName, "--region", platform.region] }],
    });

    this.environment = new EphemeralEnvironment(this, "preview", {
      envId: props.envId,
      owner: props.owner,
      ttl: props.ttl,
      budgetUsd: props.budgetUsd ?? 15,
      clusterName: platform.clusterName,
      oidcProviderArn: platform.oidcProviderArn,
      vpcId: platform.vpcId,
      privateSubnetIds: platform.privateSubnetIds,
      clusterSecurityGroupId: platform.clusterSecurityGroupId,
      baselineDbInstanceIdentifier: platform.baselineDbInstance,
      pauseTopicArn: platform.pauseTopicArn,
    });

    for (const [name, value] of Object.entries(this.environment.outputs)) {
      new TerraformOutput(this, name, { value });
    }
  }
}
