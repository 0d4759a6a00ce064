import { CreateSubnetCommand, CreateVpcCommand } from "@aws-sdk/client-ec2";
import { CreateDBSubnetGroupCommand, DescribeDBSubnetGroupsCommand, RDSServiceException } from "@aws-sdk/client-rds";
import { dbSubnetGroupAdapter } from "../../../../reaper/kinds/db-subnet-group";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext, listedById } from "./kind-test-context";

const { ctx } = useKindContext();

async function subnetGroup(name: string, tags: Record<string, string> | undefined): Promise<void> {
  const vpc = await ctx().ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }));
  const subnets = await Promise.all(
    ["a", "b"].map((zone, i) =>
      ctx().ec2.send(
        new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `us-east-1${zone}` }),
      ),
    ),
  );
  await ctx().rds.send(
    new CreateDBSubnetGroupCommand({
      DBSubnetGroupName: name,
      DBSubnetGroupDescription: "test",
      SubnetIds: subnets.map((s) => s.Subnet!.SubnetId!),
      ...(tags ? { Tags: asTagList(tags) } : {}),
    }),
  );
}

describe("db-subnet-group adapter", () => {
  it("lists DB subnet groups tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    await subnetGroup(`${env}-untagged`, undefined);
    await subnetGroup(`${env}-theirs`, otherManagedTags(env));
    const { resources, failures } = await dbSubnetGroupAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-untagged`);
    expect(resources.map((r) => r.id)).not.toContain(`${env}-theirs`);
    expect(ofEnv(resources, env)).toEqual([
      expect.objectContaining({
        kind: "db-subnet-group",
        id: `${env}-subnets`,
        arn: `arn:aws:rds:us-east-1:123456789012:subgrp:${env}-subnets`,
        tags: managedTags(env),
      }),
    ]);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    const resource = await listedById(ctx(), dbSubnetGroupAdapter, `${env}-subnets`);
    expect(await dbSubnetGroupAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), dbSubnetGroupAdapter, `${env}-subnets`)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete removes the group and a second delete is already done", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    const resource = await listedById(ctx(), dbSubnetGroupAdapter, `${env}-subnets`);
    expect(await dbSubnetGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    await expect(ctx().rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: `${env}-subnets` }))).rejects.toThrow();
    expect(await dbSubnetGroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("a group still used by a database fails with RDS's code", async () => {
    const env = uniqueEnv();
    await subnetGroup(`${env}-subnets`, managedTags(env));
    const resource = await listedById(ctx(), dbSubnetGroupAdapter, `${env}-subnets`);
    // moto 5.2.1 deletes a subnet group in use, so AWS's answer is injected into the client.
    ctx().rds.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteDBSubnetGroupCommand") {
          throw new RDSServiceException({
            name: "InvalidDBSubnetGroupStateFault",
            $fault: "client",
            $metadata: { httpStatusCode: 400, requestId: "req-in-use" },
            message: "Cannot delete the subnet group because at least one database instance is still using it.",
          });
        }
        return next(args);
      },
      { step: "initialize", name: "awsSubnetGroupInUse" },
    );
    expect(await dbSubnetGroupAdapter.delete(ctx(), resource, {})).toMatchObject({
      ok: false,
      code: "InvalidDBSubnetGroupStateFault",
      requestId: "req-in-use",
    });
  });
});
