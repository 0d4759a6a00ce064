import { CreateClusterCommand, CreateNodegroupCommand, DescribeNodegroupCommand, type Nodegroup } from "@aws-sdk/client-eks";
import { eksNodegroupAdapter } from "../../../../reaper/kinds/eks-nodegroup";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

const ROLE = "arn:aws:iam::123456789012:role/eks-nodes";

async function cluster(name: string): Promise<void> {
  await ctx().eks.send(new CreateClusterCommand({ name, roleArn: ROLE, resourcesVpcConfig: { subnetIds: [] } }));
}

async function nodegroup(
  clusterName: string,
  name: string,
  tags: Record<string, string> | undefined,
  scaling = { minSize: 1, desiredSize: 3, maxSize: 5 },
): Promise<void> {
  await ctx().eks.send(
    new CreateNodegroupCommand({
      clusterName,
      nodegroupName: name,
      nodeRole: ROLE,
      subnets: ["subnet-0123456789abcdef0"],
      scalingConfig: scaling,
      capacityType: "SPOT",
      ...(tags ? { tags } : {}),
    }),
  );
}

async function described(id: string): Promise<Nodegroup> {
  const [clusterName, nodegroupName] = id.split("/");
  return (await ctx().eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName }))).nodegroup!;
}

/** A cluster with one managed node group (min 1, desired 3, max 5), as discovery lists it. */
async function seeded(): Promise<DiscoveredResource> {
  const env = uniqueEnv();
  await cluster(env);
  await nodegroup(env, "spot", managedTags(env));
  const found = ofEnv((await eksNodegroupAdapter.list(ctx())).resources, env);
  if (found.length !== 1) throw new Error(`expected one node group of ${env}, listed ${found.length}`);
  return found[0];
}

describe("eks-nodegroup adapter", () => {
  it("lists node groups tagged managed-by=ephemera in every cluster, with their sizes", async () => {
    const env = uniqueEnv();
    await cluster(`${env}-a`);
    await cluster(`${env}-b`);
    await nodegroup(`${env}-a`, "spot", managedTags(env));
    await nodegroup(`${env}-b`, "spot", managedTags(env), { minSize: 0, desiredSize: 2, maxSize: 2 });
    const { resources, failures } = await eksNodegroupAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(ofEnv(resources, env).sort((a, b) => a.id.localeCompare(b.id))).toEqual([
      {
        kind: "eks-nodegroup",
        id: `${env}-a/spot`,
        arn: expect.stringMatching(new RegExp(`^arn:aws:eks:us-east-1:123456789012:nodegroup/${env}-a/spot/`)),
        region: "us-east-1",
        tags: managedTags(env),
        status: "ACTIVE",
        facts: { cluster: `${env}-a`, desiredSize: 3, minSize: 1, maxSize: 5, capacityType: "SPOT" },
      },
      expect.objectContaining({ id: `${env}-b/spot`, facts: expect.objectContaining({ desiredSize: 2, minSize: 0 }) }),
    ]);
  });

  it("ignores untagged node groups and node groups another tool manages", async () => {
    const env = uniqueEnv();
    await cluster(env);
    await nodegroup(env, "untagged", undefined);
    await nodegroup(env, "theirs", otherManagedTags(env));
    const ids = (await eksNodegroupAdapter.list(ctx())).resources.map((r) => r.id);
    expect(ids).not.toContain(`${env}/untagged`);
    expect(ids).not.toContain(`${env}/theirs`);
  });

  it("merges new tags into the existing ones", async () => {
    const resource = await seeded();
    expect(await eksNodegroupAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect(await eksNodegroupAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect((await described(resource.id)).tags).toEqual({ ...resource.tags, "ephemera:state": "paused" });
  });

  it("pause scales to zero and remembers the desired and minimum sizes in a tag", async () => {
    const resource = await seeded();
    const result = await eksNodegroupAdapter.pause!(ctx(), resource);
    expect(result).toMatchObject({ ok: true, facts: { pausedDesiredSize: 3, pausedMinSize: 1 } });
    const after = await described(resource.id);
    expect(after.scalingConfig).toEqual({ minSize: 0, desiredSize: 0, maxSize: 5 });
    expect(after.tags?.["ephemera:paused-size"]).toBe("desired=3 min=1");
  });

  it("a second pause is already done and keeps the remembered sizes", async () => {
    const resource = await seeded();
    await eksNodegroupAdapter.pause!(ctx(), resource);
    expect(await eksNodegroupAdapter.pause!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
    expect((await described(resource.id)).tags?.["ephemera:paused-size"]).toBe("desired=3 min=1");
  });

  it("resume restores the exact sizes and removes the tag", async () => {
    const resource = await seeded();
    await eksNodegroupAdapter.pause!(ctx(), resource);
    expect(await eksNodegroupAdapter.resume!(ctx(), resource)).toMatchObject({ ok: true, facts: { desiredSize: 3, minSize: 1 } });
    const after = await described(resource.id);
    expect(after.scalingConfig).toEqual({ minSize: 1, desiredSize: 3, maxSize: 5 });
    expect(after.tags).toEqual(resource.tags);
  });

  it("a second resume is already done and changes nothing", async () => {
    const resource = await seeded();
    await eksNodegroupAdapter.pause!(ctx(), resource);
    await eksNodegroupAdapter.resume!(ctx(), resource);
    expect(await eksNodegroupAdapter.resume!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
    expect((await described(resource.id)).scalingConfig).toEqual({ minSize: 1, desiredSize: 3, maxSize: 5 });
  });

  it("resume refuses a remembered size it cannot read, and leaves the node group as it is", async () => {
    const resource = await seeded();
    await eksNodegroupAdapter.pause!(ctx(), resource);
    await eksNodegroupAdapter.tag(ctx(), resource, { "ephemera:paused-size": "lots" });
    expect(await eksNodegroupAdapter.resume!(ctx(), resource)).toMatchObject({ ok: false, code: "InvalidPausedSize" });
    expect((await described(resource.id)).scalingConfig?.desiredSize).toBe(0);
  });

  it("delete removes the node group and a second delete is already done", async () => {
    const resource = await seeded();
    expect(await eksNodegroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    await expect(described(resource.id)).rejects.toThrow(/No node group found/);
    expect(await eksNodegroupAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("a cluster whose node groups cannot be listed is a listing failure, and other clusters still list", async () => {
    const env = uniqueEnv();
    await cluster(`${env}-ok`);
    await cluster(`${env}-broken`);
    await nodegroup(`${env}-ok`, "spot", managedTags(env));
    await nodegroup(`${env}-broken`, "spot", managedTags(env));
    ctx().eks.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { clusterName?: string };
        if (context.commandName === "ListNodegroupsCommand" && input.clusterName === `${env}-broken`) {
          throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException", $metadata: { requestId: "req-1" } });
        }
        return next(args);
      },
      { step: "initialize", name: "throttleOneCluster" },
    );
    const { resources, failures } = await eksNodegroupAdapter.list(ctx());
    expect(ofEnv(resources, env).map((r) => r.id)).toEqual([`${env}-ok/spot`]);
    expect(failures).toEqual([
      { kind: "eks-nodegroup", scope: `cluster ${env}-broken`, code: "ThrottlingException", message: "Rate exceeded" },
    ]);
  });
});
