import { SpotNodeGroup, SpotNodeGroupProps } from "../../../constructs/spot-node-group";
import { all, annotations, expectInvalid, one, synth } from "./synth";

const PROPS: SpotNodeGroupProps = { envId: "pr-7", clusterName: "platform", subnetIds: ["subnet-a", "subnet-b"] };

function nodes(props: Partial<SpotNodeGroupProps> = {}) {
  return synth((s) => new SpotNodeGroup(s, "nodes", { ...PROPS, ...props }));
}

describe("SpotNodeGroup", () => {
  it("creates a Spot managed node group on the given cluster and subnets", () => {
    expect(one(nodes(), "aws_eks_node_group")).toMatchObject({
      cluster_name: "platform",
      node_group_name: "pr-7-nodes",
      capacity_type: "SPOT",
      subnet_ids: ["subnet-a", "subnet-b"],
    });
  });

  it("defaults to four x86 general-purpose large types and the AL2023 x86 AMI", () => {
    expect(one(nodes(), "aws_eks_node_group")).toMatchObject({
      instance_types: ["m6i.large", "m6a.large", "m5.large", "m5a.large"],
      ami_type: "AL2023_x86_64_STANDARD",
    });
  });

  it("picks the ARM AMI for Graviton types", () => {
    expect(one(nodes({ instanceTypes: ["m7g.xlarge", "m6g.xlarge", "t4g.xlarge"] }), "aws_eks_node_group").ami_type).toBe("AL2023_ARM_64_STANDARD");
  });

  it("scales from 0 with one node wanted and at most three by default", () => {
    expect(one(nodes(), "aws_eks_node_group").scaling_config).toEqual({ min_size: 0, desired_size: 1, max_size: 3 });
  });

  it("takes the desired and maximum sizes, the minimum staying 0", () => {
    expect(one(nodes({ desiredSize: 0, maxSize: 10 }), "aws_eks_node_group").scaling_config).toEqual({ min_size: 0, desired_size: 0, max_size: 10 });
  });

  it("leaves the desired size to the reaper after creation, so a re-deploy never undoes a pause", () => {
    expect(one(nodes(), "aws_eks_node_group").lifecycle.ignore_changes).toEqual(["scaling_config[0].desired_size"]);
  });

  it("labels and taints its nodes for the environment alone", () => {
    const group = one(nodes(), "aws_eks_node_group");
    expect(group.labels).toEqual({ "ephemera.dev/env": "pr-7" });
    expect(group.taint).toEqual([{ key: "ephemera.dev/env", value: "pr-7", effect: "NO_SCHEDULE" }]);
  });

  it("gives workloads the node selector and toleration that land them on its nodes", () => {
    let group: SpotNodeGroup | undefined;
    synth((s) => {
      group = new SpotNodeGroup(s, "nodes", PROPS);
    });
    expect(group!.nodeSelector).toEqual({ "ephemera.dev/env": "pr-7" });
    expect(group!.tolerations).toEqual([{ key: "ephemera.dev/env", operator: "Equal", value: "pr-7", effect: "NoSchedule" }]);
  });

  it("creates a node role EC2 can assume, with the three standard managed policies attached before the group", () => {
    const out = nodes();
    const role = one(out, "aws_iam_role");
    expect(role.name).toBe("pr-7-nodes-node");
    expect(JSON.parse(role.assume_role_policy as string).Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }]);
    const attachments = all(out, "aws_iam_role_policy_attachment");
    expect(attachments.map((a) => String(a.policy_arn).split("/").pop()).sort()).toEqual(["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy"]);
    for (const a of attachments) expect(a.policy_arn).toMatch(/^arn:\$\{data\.aws_partition\.\w+\.partition\}:iam::aws:policy\//);
    const group = one(out, "aws_eks_node_group");
    expect(group.node_role_arn).toMatch(/^\$\{aws_iam_role\.nodes_node-role_\w+\.arn\}$/);
    expect(group.depends_on).toHaveLength(3);
  });

  it("uses an existing node role and creates none", () => {
    const arn = "arn:aws:iam::123456789012:role/eks-nodes";
    const out = nodes({ nodeRoleArn: arn });
    expect(all(out, "aws_iam_role")).toEqual([]);
    expect(all(out, "aws_iam_role_policy_attachment")).toEqual([]);
    expect(one(out, "aws_eks_node_group").node_role_arn).toBe(arn);
  });

  it("launches nodes from its own template, pinned to the template's latest version", () => {
    const out = nodes();
    const template = one(out, "aws_launch_template");
    expect(template).toMatchObject({ name: "pr-7-nodes", update_default_version: true });
    expect(template).not.toHaveProperty("instance_type");
    expect(template).not.toHaveProperty("instance_market_options");
    expect(one(out, "aws_eks_node_group").launch_template).toEqual({
      id: expect.stringMatching(/^\$\{aws_launch_template\.nodes_launch-template_\w+\.id\}$/),
      version: expect.stringMatching(/^\$\{aws_launch_template\.nodes_launch-template_\w+\.latest_version\}$/),
    });
  });

  it("requires IMDSv2 on its nodes", () => {
    expect(one(nodes(), "aws_launch_template").metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 2 });
  });

  it("asks for tags on the instances, volumes and network interfaces it launches", () => {
    const specs = one(nodes(), "aws_launch_template").tag_specifications as { resource_type: string }[];
    expect(specs.map((s) => s.resource_type)).toEqual(["instance", "volume", "network-interface"]);
  });

  it("warns that a single Spot type runs out of capacity most often", () => {
    expect(annotations((s) => new SpotNodeGroup(s, "nodes", { ...PROPS, instanceTypes: ["m5.large"] }))).toEqual([
      expect.objectContaining({ level: "warning", path: "stack/nodes", message: expect.stringMatching(/only m5\.large/) }),
    ]);
  });

  it("warns about types of a series it cannot check", () => {
    expect(annotations((s) => new SpotNodeGroup(s, "nodes", { ...PROPS, instanceTypes: ["m5.xlarge", "i4i.xlarge"] }))).toEqual([
      expect.objectContaining({ level: "warning", message: expect.stringMatching(/\["i4i\.xlarge"\]: unknown series/) }),
    ]);
  });

  it("has nothing to warn about with its defaults", () => {
    expect(annotations((s) => new SpotNodeGroup(s, "nodes", PROPS))).toEqual([]);
  });

  it("accepts burstable and general-purpose types of one size together", () => {
    expect(one(nodes({ instanceTypes: ["t3.large", "m5.large"] }), "aws_eks_node_group").instance_types).toEqual(["t3.large", "m5.large"]);
  });

  it.each<[string, Partial<SpotNodeGroupProps>, string, RegExp]>([
    ["types of different sizes", { instanceTypes: ["m5.large", "m5.xlarge"] }, "instanceTypes", /mixes sizes \(large, xlarge\)/],
    ["types of different vCPU:memory classes", { instanceTypes: ["m5.large", "c5.large"] }, "instanceTypes", /m5\.large: general purpose .*c5\.large: compute optimized/],
    ["x86 and ARM types together", { instanceTypes: ["m6i.large", "m6g.large"] }, "instanceTypes", /m6g\.large: arm64/],
    ["something that is not an instance type", { instanceTypes: ["large"] }, "instanceTypes", /"large", which is not an EC2 instance type/],
    ["no instance types", { instanceTypes: [] }, "instanceTypes", /is empty/],
    ["a desired size above the maximum", { desiredSize: 4, maxSize: 3 }, "desiredSize", /above maxSize \(3\)/],
    ["a maximum of 0", { maxSize: 0 }, "maxSize", /from 1 to 1000/],
    ["a negative desired size", { desiredSize: -1 }, "desiredSize", /from 0 to 1000/],
    ["a node group name with invalid characters", { nodeGroupName: "pr_7" }, "nodeGroupName", /contains "_"/],
    ["a node group name too long for its role's name", { nodeGroupName: `n${"x".repeat(59)}` }, "nodeGroupName", /longer than 59/],
    ["no cluster", { clusterName: "" }, "clusterName", /is empty/],
    ["no subnets", { subnetIds: [] }, "subnetIds", /is empty/],
    ["a bad environment id", { envId: "-pr" }, "envId", /start with a letter/],
  ])("rejects %s, naming the prop and the fix", (_name, bad, field, problem) => {
    expectInvalid(() => nodes(bad), field, problem);
  });
});  it("gives the nodes their own security group beside the cluster's when a VPC is given", () => {
    const out = nodes({ vpcId: "vpc-1", clusterSecurityGroupId: "sg-cluster" });
    expect(one(out, "aws_security_group")).toMatchObject({ vpc_id: "vpc-1", name: "pr-7-nodes-nodes" });
    const sgIds = one(out, "aws_launch_template").vpc_security_group_ids;
    expect(sgIds).toHaveLength(2);
    expect(sgIds[0]).toMatch(/\$\{aws_security_group\..*\.id\}/);
    expect(sgIds[1]).toBe("sg-cluster");
  });

  it("leaves security groups to the cluster when no VPC is given", () => {
    const out = nodes();
    expect(all(out, "aws_security_group")).toEqual([]);
    expect(one(out, "aws_launch_template").vpc_security_group_ids).toBeUndefined();
  });

  it("needs the cluster security group with a VPC, so nodes can still reach the control plane", () => {
    expectInvalid(() => nodes({ vpcId: "vpc-1" }), "clusterSecurityGroupId", /is empty/);
  });


