import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { excludeFromEnvironmentTags, tagEnvironment } from "../../../constructs/environment-tags";
import { IAM_PATH } from "../../../reaper/model";
import { annotations, synth } from "./synth";

const PROPS = { envId: "pr-7", owner: "web@example.com" };
const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });

type Blocks = Record<string, Record<string, { path?: string }>>;

describe("tagEnvironment on IAM roles and instance profiles", () => {
  it("puts every role and instance profile of the environment under the one IAM path the reaper lists", () => {
    const tf = synth((scope: Construct) => {
      new IamRole(scope, "role", { name: "pr-7-app", assumeRolePolicy: TRUST });
      new IamInstanceProfile(scope, "profile", { name: "pr-7-app" });
      tagEnvironment(scope, PROPS);
    }) as { resource: Blocks };
    expect(IAM_PATH).toBe("/ephemera/");
    expect(tf.resource.aws_iam_role!.role!.path).toBe(IAM_PATH);
    expect(tf.resource.aws_iam_instance_profile!.profile!.path).toBe(IAM_PATH);
  });

  it("keeps a path the caller chose under it", () => {
    const tf = synth((scope: Construct) => {
      new IamRole(scope, "role", { name: "pr-7-app", assumeRolePolicy: TRUST, path: "/ephemera/web/" });
      tagEnvironment(scope, PROPS);
    }) as { resource: Blocks };
    expect(tf.resource.aws_iam_role!.role!.path).toBe("/ephemera/web/");
  });

  it("refuses a path outside it, naming the path and the fix: the reaper would never find the role", () => {
    const messages = annotations((scope: Construct) => {
      new IamRole(scope, "role", { name: "pr-7-app", assumeRolePolicy: TRUST, path: "/team/" });
      tagEnvironment(scope, PROPS);
    });
    expect(messages).toEqual([
      expect.objectContaining({
        level: "error",
        message: expect.stringContaining('path "/team/" is outside /ephemera/: the reaper finds an environment\'s roles and instance profiles only under it'),
      }),
    ]);
  });

  it("leaves roles outside the environment (the reaper's own, say) where they are", () => {
    const tf = synth((scope: Construct) => {
      const platform = new Construct(scope, "platform");
      excludeFromEnvironmentTags(platform);
      new IamRole(platform, "role", { name: "ephemera-reaper", assumeRolePolicy: TRUST });
      tagEnvironment(scope, PROPS);
    }) as { resource: Blocks };
    expect(Object.values(tf.resource.aws_iam_role!)[0]!.path).toBeUndefined();
  });
});
