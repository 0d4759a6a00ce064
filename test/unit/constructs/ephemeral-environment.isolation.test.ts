import { EphemeralEnvironment, EphemeralEnvironmentProps } from "../../../constructs/ephemeral-environment";
import { ISOLATION_NAMESPACE_LABEL } from "../../../reaper/model";
import { all, expectInvalid, one, synth } from "./synth";

const PROPS: EphemeralEnvironmentProps = {
  envId: "pr-123",
  owner: "team-web@example.com",
  budgetUsd: 25,
  clusterName: "previews",
  vpcId: "vpc-0abc",
  privateSubnetIds: ["subnet-0a", "subnet-0b"],
  clusterSecurityGroupId: "sg-0cluster",
  pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
  database: false,
};

const synthEnv = (overrides: Partial<EphemeralEnvironmentProps> = {}) => synth((scope) => new EphemeralEnvironment(scope, "env", { ...PROPS, ...overrides }));

describe("EphemeralEnvironment isolation", () => {
  it("passes isolation to its namespace, which is labelled for the sandbox policy", () => {
    let env: EphemeralEnvironment | undefined;
    const out = synth((scope) => {
      env = new EphemeralEnvironment(scope, "env", { ...PROPS, isolation: "kata" });
    });
    expect(one(out, "kubernetes_namespace_v1").metadata.labels[ISOLATION_NAMESPACE_LABEL]).toBe("kata");
    expect(env!.namespace.runtimeClassName).toBe("ephemera-kata");
  });

  it("runs pods unsandboxed by default, as before", () => {
    const out = synthEnv();
    expect(one(out, "kubernetes_namespace_v1").metadata.labels[ISOLATION_NAMESPACE_LABEL]).toBeUndefined();
    expect(all(out, "kubernetes_resource", "data")).toEqual([]);
  });

  it("rejects an unknown level, naming the environment's prop", () => {
    expectInvalid(() => synthEnv({ isolation: "vm" as never }), "isolation", /"vm" is not a known isolation level/);
  });
});
