import { EphemeralEnvironment, EphemeralEnvironmentProps } from "../../../constructs/ephemeral-environment";
import { ISOLATION_NAMESPACE_LABEL } from "../../../reaper/model";
import { all, expectInvalid, one, synth } from "./synth";

const PROPS: EphemeralEnvironmentProps = {
  envId: "pr-123",
  owner: "team-web@example.com",
  ttl: "1d",
  budgetUsd: 25,
  clusterName: "previews",
  vpcId: "vpc-0abc",
  privateSubnetIds: ["subnet-0a", "subnet-0b"],
  clusterSecurityGroupId: "sg-0cluster",
  pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
  database: false,
};

const synthEnv = (overrides: Partial<EphemeralEnvironmentProps> = {}) => synth((s) => new EphemeralEnvironment(s, "env", { ...PROPS, ...overrides }));

const userDataOf = (overrides: Partial<EphemeralEnvironmentProps>) => Buffer.from(one(synthEnv(overrides), "aws_launch_template").user_data as string, "base64").toString("utf8");

const METAL = ["m5.metal", "m5d.metal", "m5n.metal"];

describe("EphemeralEnvironment isolation", () => {
  it("passes isolation to its namespace, which is labelled for the sandbox policy", () => {
    let env: EphemeralEnvironment | undefined;
    const out = synth((scope) => {
      env = new EphemeralEnvironment(scope, "env", { ...PROPS, isolation: "kata", instanceTypes: METAL });
    });
    expect(one(out, "kubernetes_namespace_v1").metadata.labels[ISOLATION_NAMESPACE_LABEL]).toBe("kata");
    expect(env!.namespace.runtimeClassName).toBe("ephemera-kata");
  });

  it("runs pods unsandboxed by default, as before", () => {
    const out = synthEnv();
    expect(one(out, "kubernetes_namespace_v1").metadata.labels[ISOLATION_NAMESPACE_LABEL]).toBeUndefined();
    expect(all(out, "kubernetes_resource", "data")).toEqual([]);
  });

  it("builds its dedicated nodes without a sandbox by default", () => {
    const out = synthEnv();
    expect(one(out, "aws_launch_template")).not.toHaveProperty("user_data");
    expect(one(out, "aws_eks_node_group").labels).toEqual({ "ephemera.dev/env": "pr-123" });
  });

  it("builds its dedicated nodes for gVisor: runsc's user data, the sandbox label and taint", () => {
    const out = synthEnv({ isolation: "gvisor" });
    expect(userDataOf({ isolation: "gvisor" })).toContain('[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runsc]');
    const group = one(out, "aws_eks_node_group");
    expect(group.labels).toEqual({ "ephemera.dev/env": "pr-123", "ephemera.dev/sandbox": "gvisor" });
    expect(group.taint).toContainEqual({ key: "ephemera.dev/sandbox", value: "gvisor", effect: "NO_SCHEDULE" });
  });

  it("builds its dedicated nodes for Kata on the bare-metal types it is given", () => {
    const out = synthEnv({ isolation: "kata", instanceTypes: METAL });
    expect(one(out, "aws_eks_node_group")).toMatchObject({ instance_types: METAL, labels: { "ephemera.dev/sandbox": "kata" } });
    expect(userDataOf({ isolation: "kata", instanceTypes: ["m5.metal"] })).toContain("runtimes.kata-qemu]");
  });

  it("refuses Kata on its default instance types, naming instanceTypes", () => {
    expectInvalid(() => synthEnv({ isolation: "kata" }), "instanceTypes", /cannot run isolation "kata"/);
  });

  it("refuses a sandbox on shared nodes not said to be sandbox nodes, naming nodes and both fixes", () => {
    const error = expectInvalid(() => synthEnv({ isolation: "gvisor", nodes: "shared", clusterSecurityGroupId: undefined }), "nodes", /gives isolation "gvisor" no sandbox nodes/);
    expect(error.message).toContain('use nodes: "dedicated"');
    expect(error.message).toContain('set sharedPoolIsolation: "gvisor"');
  });

  it("refuses a shared pool built for another sandbox", () => {
    expectInvalid(() => synthEnv({ isolation: "kata", nodes: "shared", sharedPoolIsolation: "gvisor", clusterSecurityGroupId: undefined }), "nodes", /sharedPoolIsolation is "gvisor"/);
  });

  it("runs a sandbox on a shared pool the caller says is built for it, creating no nodes", () => {
    const out = synthEnv({ isolation: "gvisor", nodes: "shared", sharedPoolIsolation: "gvisor", clusterSecurityGroupId: undefined });
    expect(all(out, "aws_eks_node_group")).toEqual([]);
    expect(all(out, "aws_launch_template")).toEqual([]);
  });

  it.each<[string, Partial<EphemeralEnvironmentProps>, string]>([
    ["an unknown isolation level", { isolation: "vm" as never }, "isolation"],
    ["an unknown shared pool level", { nodes: "shared", sharedPoolIsolation: "vm" as never, clusterSecurityGroupId: undefined }, "sharedPoolIsolation"],
  ])("refuses %s, naming the prop and the levels", (_name, bad, field) => {
    expectInvalid(() => synthEnv(bad), field, /is not a known isolation level; use one of "none", "gvisor", "kata"/);
  });
});
