import { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Construct } from "constructs";
import { Annotations, Token } from "./core";
import { envNodePlacement, Toleration } from "./env-node-placement";
import { envIdProp, envScopedName, integerProp, isLiteral, nameProp, nonEmptyListProp, requiredStringProp } from "./private/props";
import { checkKataInstanceTypes, sandboxUserData } from "./private/sandbox-nodes";
import { type Isolation, InvalidValueError, isSandbox, parseIsolation, sandboxNodeLabels, sandboxTaint, type SandboxIsolation } from "../reaper/model";

export interface SpotNodeGroupProps {
  /** The environment the nodes are dedicated to (label and taint `ephemera.dev/env=<envId>`). */
  readonly envId: string;
  /** Name of the existing EKS cluster. */
  readonly clusterName: string;
  /** Subnets the nodes are launched in (usually the cluster's private subnets). */
  readonly subnetIds: readonly string[];
  /**
   * Spot instance types, all of one size and one vCPU:memory class (general purpose
   * m/t, compute c or memory r) and one CPU architecture, so any of them can replace
   * another without changing what fits on a node. More types mean fewer Spot
   * capacity shortfalls.
   * @default ["m6i.large", "m6a.large", "m5.large", "m5a.large"] (2 vCPU, 8 GiB, x86_64)
   */
  readonly instanceTypes?: readonly string[];
  /**
   * Nodes wanted at creation. Later changes are ignored by Terraform: the reaper pauses
   * the group by scaling it to 0 and resumes it from the `ephemera:paused-size` tag.
   * @default 1
   */
  readonly desiredSize?: number;
  /**
   * Upper bound of the group (the lower bound is always 0).
   * @default 3
   */
  readonly maxSize?: number;
  /**
   * ARN of an existing IAM role for the nodes.
   * @default - a new role with AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy and AmazonEC2ContainerRegistryReadOnly
   */
  readonly nodeRoleArn?: string;
  /**
   * Name of the node group, its launch template and (`<name>-node`) its new role.
   * @default `<envId>-<construct id>`, e.g. `pr-123-nodes`
   */
  readonly nodeGroupName?: string;
  /**
   * The cluster's VPC. Given it, the nodes get a security group of their own (beside the
   * cluster security group), so a database can admit this environment's nodes and no others.
   * @default - no own security group: the nodes share the cluster security group with every other node
   */
  readonly vpcId?: string;
  /**
   * The cluster security group (EKS DescribeCluster `clusterSecurityGroupId`), which nodes
   * need to talk to the control plane once the launch template names security groups.
   * Required with `vpcId`.
   * @default - none
   */
  readonly clusterSecurityGroupId?: string;
  /**
   * The sandbox the nodes are built for (docs/isolation.md). `gvisor`: the launch template's
   * user data installs gVisor's runsc (a pinned release, checked against its published
   * SHA-512) and registers it with containerd as the `runsc` runtime through nodeadm's
   * NodeConfig. `kata`: the NodeConfig registers kata-deploy's `kata-qemu` runtime, and
   * `instanceTypes` must be bare metal (Kata's binaries come from kata-deploy's DaemonSet).
   * Either way the nodes also carry the label and NoSchedule taint
   * `ephemera.dev/sandbox=<level>`, which only pods of that level's RuntimeClass tolerate.
   * @default none (runc, no user data of Ephemera's)
   */
  readonly isolation?: Isolation;
}

export const DEFAULT_SPOT_INSTANCE_TYPES: readonly string[] = ["m6i.large", "m6a.large", "m5.large", "m5a.large"];

/** vCPU:memory class by instance series; within a class, one size means one shape (m5.large = t3.large = 2 vCPU, 8 GiB). */
const SERIES_CLASS: Readonly<Record<string, string>> = {
  m: "general purpose (4 GiB per vCPU)",
  t: "general purpose (4 GiB per vCPU)",
  a: "general purpose (4 GiB per vCPU)",
  c: "compute optimized (2 GiB per vCPU)",
  r: "memory optimized (8 GiB per vCPU)",
};

/**
 * An EKS managed node group of Spot instances on an existing cluster, dedicated to one
 * environment: its nodes carry the label and NoSchedule taint `ephemera.dev/env=<envId>`,
 * so only the environment's workloads (given `nodeSelector` and `tolerations`) run there.
 *
 * The nodes are launched from the group's own launch template, whose
 * `tag_specifications` (instance, volume, network interface) the tagging Aspect fills
 * with the environment's tags: tags on the node group itself never reach the EC2
 * instances, and cost allocation by environment would miss them.
 *
 * With `isolation` "gvisor" or "kata" the nodes are sandbox nodes: their user data gives
 * containerd the sandbox's runtime, and they carry `ephemera.dev/sandbox=<level>` as a
 * label and a NoSchedule taint (docs/isolation.md).
 */
export class SpotNodeGroup extends Construct {
  readonly nodeGroupName: string;
  readonly nodeRoleArn: string;
  readonly launchTemplateId: string;
  /** For pod specs: schedules workloads onto this group's nodes. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** For pod specs: lets workloads onto this group's tainted nodes. */
  readonly tolerations: readonly Toleration[];
  /** Escape hatch for settings this construct does not expose. */
  readonly nodeGroup: EksNodeGroup;
  /** The nodes' own security group, when `vpcId` was given: pass it to `SnapshotDatabase.allowFrom`. */
  readonly securityGroupId?: string;

  private policyAttachments: IamRolePolicyAttachment[] = [];

  constructor(scope: Construct, id: string, props: SpotNodeGroupProps) {
    super(scope, id);
    const envId = envIdProp(props.envId);
    requiredStringProp("clusterName", props.clusterName, "platform");
    const subnetIds = nonEmptyListProp("subnetIds", props.subnetIds, '"subnet-0abc1234"');
    const isolation = parseIsolation(props.isolation, { field: "isolation" });
    if (isolation === "kata" && !Token.isUnresolved(props.instanceTypes ?? [])) checkKataInstanceTypes(props.instanceTypes);
    const instanceTypes = props.instanceTypes ?? DEFAULT_SPOT_INSTANCE_TYPES;
    const arch = checkInstanceTypes(this, instanceTypes);
    const maxSize = integerProp("maxSize", props.maxSize, 3, 1, 1000, 3);
    const desiredSize = integerProp("desiredSize", props.desiredSize, 1, 0, 1000, 1);
    if (isLiteral(maxSize) && isLiteral(desiredSize) && desiredSize > maxSize) {
      throw new InvalidValueError("desiredSize", String(desiredSize), `is above maxSize (${maxSize})`, `use a value from 0 to ${maxSize}, or raise maxSize, such as ${Math.min(1, maxSize)}`);
    }
    const name = props.nodeGroupName ?? envScopedName(envId, id);
    // The new role is named `<name>-node`, and IAM role names stop at 64 characters.
    nameProp("nodeGroupName", name, props.nodeRoleArn === undefined ? 59 : 63, `${envId}-nodes`);

    this.nodeRoleArn = props.nodeRoleArn ?? this.createNodeRole(`${name}-node`);

    let securityGroupIds: string[] | undefined;
    if (props.vpcId !== undefined) {
      const clusterSg = requiredStringProp("clusterSecurityGroupId", props.clusterSecurityGroupId, "sg-0cluster1234");
      const nodes = new SecurityGroup(this, "node-security-group", {
        name: `${name}-nodes`,
        description: `Ephemera ${envId}: nodes of node group ${name}`,
        vpcId: props.vpcId,
        egress: [{ fromPort: 0, toPort: 0, protocol: "-1", cidrBlocks: ["0.0.0.0/0"], description: "nodes reach the control plane, registries and AWS APIs" }],
      });
      this.securityGroupId = nodes.id;
      securityGroupIds = [nodes.id, clusterSg];
    }

    const launchTemplate = this.createLaunchTemplate(name, envId, securityGroupIds, isolation);
    this.launchTemplateId = launchTemplate.id;

    // The same placement rule EnvNamespace gives the environment's pods, and a sandbox's on sandbox nodes.
    const placement = envNodePlacement(envId);
    const sandbox = isSandbox(isolation) ? sandboxPlacement(isolation) : { nodeSelector: {}, tolerations: [] };
    this.nodeSelector = { ...placement.nodeSelector, ...sandbox.nodeSelector };
    this.tolerations = [...placement.tolerations, ...sandbox.tolerations];

    this.nodeGroup = new EksNodeGroup(this, "node-group", {
      clusterName: props.clusterName,
      nodeGroupName: name,
      nodeRoleArn: this.nodeRoleArn,
      subnetIds: [...subnetIds],
      capacityType: "SPOT",
      instanceTypes: [...instanceTypes],
      amiType: arch === "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD",
      scalingConfig: { minSize: 0, desiredSize, maxSize },
      labels: { ...this.nodeSelector },
      // The EKS API spells the Kubernetes effect "NoSchedule" as NO_SCHEDULE.
      taint: this.tolerations.map(({ key, value }) => ({ key, value, effect: "NO_SCHEDULE" })),
      launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
      // The reaper owns the size after creation (pause = 0, resume = ephemera:paused-size).
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: this.policyAttachments,
    });
    this.nodeGroupName = this.nodeGroup.nodeGroupName;
  }

  /**
   * The nodes' launch template. Its `tag_specifications` (instance, volume, network interface)
   * are filled by the tagging Aspect; a sandbox's nodes also get the sandbox's user data.
   */
  private createLaunchTemplate(name: string, envId: string, securityGroupIds: string[] | undefined, isolation: Isolation): LaunchTemplate {
    return new LaunchTemplate(this, "launch-template", {
      name,
      description: `Ephemera ${envId}: Spot nodes of node group ${name}`,
      updateDefaultVersion: true,
      // IMDSv2 only; hop limit 2 so pods that still need instance metadata reach it.
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 2 },
      vpcSecurityGroupIds: securityGroupIds,
      // The tagging Aspect adds the environment's tags to each entry. Not
      // `spot-instances-request`: a managed node group gets Spot capacity through its
      // Auto Scaling group's fleet, which leaves no Spot requests behind to tag.
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: { Name: name } })),
      // EKS merges its own NodeConfig part (the cluster's endpoint and CA) into this document.
      ...(isSandbox(isolation) ? { userData: Buffer.from(sandboxUserData(isolation), "utf8").toString("base64") } : {}),
    });
  }

  private createNodeRole(roleName: string): string {
    const role = new IamRole(this, "node-role", {
      name: roleName,
      description: "Ephemera: nodes of a Spot node group",
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    const partition = new DataAwsPartition(this, "partition");
    const policies: Record<string, string> = {
      "worker-node-policy": "AmazonEKSWorkerNodePolicy",
      "cni-policy": "AmazonEKS_CNI_Policy",
      "registry-read-only": "AmazonEC2ContainerRegistryReadOnly",
    };
    this.policyAttachments = Object.entries(policies).map(
      ([attachmentId, policy]) =>
        new IamRolePolicyAttachment(this, attachmentId, { role: role.name, policyArn: `arn:${partition.partition}:iam::aws:policy/${policy}` }),
    );
    return role.arn;
  }
}

/** The sandbox nodes' label and taint, as a pod's nodeSelector and tolerations (the level's RuntimeClass adds the same). */
function sandboxPlacement(level: SandboxIsolation): { nodeSelector: Readonly<Record<string, string>>; tolerations: readonly Toleration[] } {
  const taint = sandboxTaint(level);
  return { nodeSelector: sandboxNodeLabels(level), tolerations: [{ key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect }] };
}

/**
 * Checks that the types share one size, one vCPU:memory class and one architecture,
 * and returns that architecture. Series it does not know are let through with a warning.
 */
function checkInstanceTypes(scope: Construct, types: readonly string[]): "x86_64" | "arm64" {
  nonEmptyListProp("instanceTypes", types, '"m6i.large", "m5.large"');
  if (Token.isUnresolved(types)) return "x86_64";
  const example = 'such as ["m6i.large", "m6a.large", "m5.large"]';
  const shown = JSON.stringify(types);
  const parsed = types.map((type) => {
    const match = /^([a-z]+?)(\d+)([a-z-]*)\.([a-z0-9-]+)$/.exec(type);
    if (!match) throw new InvalidValueError("instanceTypes", shown, `has ${JSON.stringify(type)}, which is not an EC2 instance type`, `use types ${example}`);
    const [, series, , attributes, size] = match;
    const arch = series === "a" || attributes!.startsWith("g") ? "arm64" : "x86_64";
    return { type, series: series!, size: size!, arch: arch as "x86_64" | "arm64" };
  });
  const sizes = [...new Set(parsed.map((p) => p.size))];
  if (sizes.length > 1) {
    throw new InvalidValueError("instanceTypes", shown, `mixes sizes (${sizes.join(", ")}), so nodes would differ in vCPU and memory`, `use one size, ${example}`);
  }
  const known = parsed.filter((p) => SERIES_CLASS[p.series] !== undefined);
  const classes = [...new Set(known.map((p) => SERIES_CLASS[p.series]))];
  if (classes.length > 1) {
    const offenders = known.map((p) => `${p.type}: ${SERIES_CLASS[p.series]}`).join("; ");
    throw new InvalidValueError("instanceTypes", shown, `mixes vCPU:memory classes (${offenders})`, `use one class, ${example}`);
  }
  const arches = [...new Set(parsed.map((p) => p.arch))];
  if (arches.length > 1) {
    const offenders = parsed.map((p) => `${p.type}: ${p.arch}`).join("; ");
    throw new InvalidValueError("instanceTypes", shown, `mixes CPU architectures (${offenders}), but a node group runs one AMI`, `use one architecture, ${example} or ["m7g.large", "m6g.large"]`);
  }
  const unknown = parsed.filter((p) => SERIES_CLASS[p.series] === undefined).map((p) => p.type);
  if (unknown.length > 0) {
    Annotations.of(scope).addWarning(`instanceTypes ${JSON.stringify(unknown)}: unknown series, so they were not checked for the same vCPU and memory as the others`);
  }
  if (types.length === 1) {
    Annotations.of(scope).addWarning(`instanceTypes has only ${types[0]}: one Spot type runs out of capacity most often; list three or more of the same size`);
  }
  return arches[0]!;
}
