import { DescribeLaunchTemplateVersionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { DescribeNodegroupCommand, EKSClient } from "@aws-sdk/client-eks";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "../../../constructs/core";
import { SpotNodeGroup } from "../../../constructs/spot-node-group";
import { sandboxUserData } from "../../../constructs/private/sandbox-nodes";
import { useEmulator } from "../../../harness/emulator";
import { createExistingInfrastructure, type ExistingInfrastructure } from "../../../harness/existing-infrastructure";
import { TerraformWorkspace, synthStack } from "../../../harness/terraform";

const CLUSTER = "sandboxes";

/** A gVisor node group and a Kata one on an existing cluster. */
class SandboxNodesStack extends TerraformStack {
  constructor(scope: Construct, id: string, infra: ExistingInfrastructure) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: "us-east-1" });
    const gvisor = new SpotNodeGroup(this, "gvisor", { envId: "pr-8", clusterName: CLUSTER, subnetIds: infra.subnetIds, isolation: "gvisor" });
    const kata = new SpotNodeGroup(this, "kata", { envId: "pr-9", clusterName: CLUSTER, subnetIds: infra.subnetIds, isolation: "kata", instanceTypes: ["m5.metal", "m5d.metal", "m5n.metal"] });
    for (const [name, group] of Object.entries({ gvisor, kata })) {
      new TerraformOutput(this, `${name}_launch_template_id`, { value: group.launchTemplateId });
      new TerraformOutput(this, `${name}_node_group_name`, { value: group.nodeGroupName });
    }
  }
}

const emulator = useEmulator({ resetBetweenTests: false });

describe("terraform apply of sandbox node groups against the emulator", () => {
  let ws: TerraformWorkspace;
  let out: Record<string, string>;

  beforeAll(async () => {
    const infra = await createExistingInfrastructure(emulator(), { clusterName: CLUSTER });
    ws = await TerraformWorkspace.create(synthStack((app) => new SandboxNodesStack(app, "sandbox-nodes", infra)), emulator());
    await ws.apply();
    out = Object.fromEntries(Object.entries(await ws.outputs()).map(([k, v]) => [k, String(v)]));
  }, 300_000);
  afterAll(() => ws?.dispose());

  it.each<["gvisor" | "kata"]>([["gvisor"], ["kata"]])("the %s nodes' launch template holds the sandbox's user data as synthesized", async (level) => {
    const ec2 = new EC2Client(emulator().clientConfig());
    const [version] = (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: out[`${level}_launch_template_id`], Versions: ["$Latest"] }))).LaunchTemplateVersions ?? [];
    ec2.destroy();
    expect(Buffer.from(version!.LaunchTemplateData!.UserData!, "base64").toString("utf8")).toBe(sandboxUserData(level));
  });

  it.each<["gvisor" | "kata"]>([["gvisor"], ["kata"]])("the %s node group carries the sandbox's label and taint", async (level) => {
    const eks = new EKSClient(emulator().clientConfig());
    const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: CLUSTER, nodegroupName: out[`${level}_node_group_name`] }))).nodegroup!;
    eks.destroy();
    expect(group.labels).toMatchObject({ "ephemera.dev/sandbox": level });
    expect(group.taints).toContainEqual({ key: "ephemera.dev/sandbox", value: level, effect: "NO_SCHEDULE" });
  });

  it("re-plans clean after apply", async () => {
    expect((await ws.plan()).code).toBe(0);
  });
});
