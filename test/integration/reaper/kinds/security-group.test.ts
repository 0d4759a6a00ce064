import { CreateSecurityGroupCommand, CreateVpcCommand, DescribeSecurityGroupsCommand, EC2ServiceException } from "@aws-sdk/client-ec2";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { securityGroupAdapter } from "../../../../reaper/kinds/security-group";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

async function securityGroup(tags: Record<string, string> | undefined, name = "env-sg"): Promise<string> {
  const vpc = await ctx().ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const out = await ctx().ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: "test",
      VpcId: vpc.Vpc!.VpcId,
      ...(tags ? { TagSpecifications: [{ ResourceType: "security-group", Tags: asTagList(tags) }] } : {}),
    }),
  );
  return out.GroupId!;
}

async function listedGroup(id: string): Promise<DiscoveredResource> {
  const found = (await securityGroupAdapter.list(ctx())).resources.find((r) => r.id === id);
  if (!found) throw new Error(`security group ${id} was not listed`);
  return found;
}

describe("security-group adapter", () => {
  it("lists security groups tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    const ours = await securityGroup(managedTags(env), "ours");
    const untagged = await securityGroup(undefined, "untagged");
    const theirs = await securityGroup(otherManagedTags(env), "theirs");
    const { resources, failures } = await securityGroupAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(ofEnv(resources, env).map((r) => r.id)).toEqual([ours]);
    expect(resources.map((r) => r.id)).not.toContain(untagged);
    expect(resources.map((r) => r.id)).not.toContain(theirs);
    expect(ofEnv(resources, env)[0]).toMatchObject({ kind: "security-group", tags: managedTags(env), facts: { groupName: "ours" } });
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    const resource = await listedGroup(await securityGroup(managedTags(env)));
    expect(await securityGroupAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listedGroup(resource.id)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete removes the group and a second delete is already done", async () => {
    const resource = await listedGroup(await securityGroup(managedTags(uniqueEnv())));
    expect(await securityGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    const left = await ctx().ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-id", Values: [resource.id] }] }));
    expect(left.SecurityGroups).toEqual([]);
    expect(await securityGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("a group still in use fails with AWS's DependencyViolation code and request id", async () => {
    const resource = await listedGroup(await securityGroup(managedTags(uniqueEnv())));
    // moto 5.2.1 deletes a group whatever refers to it, so AWS's answer is injected into the client.
    ctx().ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteSecurityGroupCommand") {
          throw new EC2ServiceException({
            name: "DependencyViolation",
            $fault: "client",
            $metadata: { httpStatusCode: 400, requestId: "req-dependency" },
            message: `resource ${resource.id} has a dependent object`,
          });
        }
        return next(args);
      },
      { step: "initialize", name: "awsDependencyViolation" },
    );
    expect(await securityGroupAdapter.delete(ctx(), resource, {})).toEqual({
      ok: false,
      code: "DependencyViolation",
      message: `resource ${resource.id} has a dependent object`,
      requestId: "req-dependency",
    });
  });
});
