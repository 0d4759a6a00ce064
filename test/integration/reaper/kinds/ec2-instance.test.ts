import { DescribeInstancesCommand, type Instance, RunInstancesCommand, TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { ec2InstanceAdapter } from "../../../../reaper/kinds/ec2-instance";
import type { DiscoveredResource } from "../../../../reaper/contracts/kind-adapter";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

async function launch(tags: Record<string, string> | undefined, spot = false): Promise<string> {
  const out = await ctx().ec2.send(
    new RunInstancesCommand({
      ImageId: "ami-12c6146b",
      MinCount: 1,
      MaxCount: 1,
      ...(spot ? { InstanceMarketOptions: { MarketType: "spot" } } : {}),
      ...(tags ? { TagSpecifications: [{ ResourceType: "instance", Tags: asTagList(tags) }] } : {}),
    }),
  );
  return out.Instances![0].InstanceId!;
}

async function instance(id: string): Promise<Instance> {
  const out = await ctx().ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  return out.Reservations![0].Instances![0];
}

async function listedInstance(id: string): Promise<DiscoveredResource> {
  const { resources } = await ec2InstanceAdapter.list(ctx());
  const found = resources.find((r) => r.id === id);
  if (!found) throw new Error(`instance ${id} was not listed`);
  return found;
}

describe("ec2-instance adapter", () => {
  it("lists running instances tagged managed-by=ephemera, telling spot from on-demand", async () => {
    const env = uniqueEnv();
    const onDemand = await launch(managedTags(env));
    const spot = await launch(managedTags(env), true);
    const { resources, failures } = await ec2InstanceAdapter.list(ctx());
    expect(failures).toEqual([]);
    const mine = ofEnv(resources, env);
    expect(mine.map((r) => [r.id, r.status, r.facts?.spot]).sort()).toEqual(
      [
        [onDemand, "running", false],
        [spot, "running", true],
      ].sort(),
    );
    expect(mine[0].tags).toEqual(managedTags(env));
    expect(mine[0].arn).toMatch(/^arn:aws:ec2:us-east-1:123456789012:instance\/i-/);
  });

  it("ignores untagged instances and instances another tool manages", async () => {
    const untagged = await launch(undefined);
    const theirs = await launch(otherManagedTags(uniqueEnv()));
    const ids = (await ec2InstanceAdapter.list(ctx())).resources.map((r) => r.id);
    expect(ids).not.toContain(untagged);
    expect(ids).not.toContain(theirs);
  });

  it("ignores terminated instances", async () => {
    const env = uniqueEnv();
    const id = await launch(managedTags(env));
    await ctx().ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    expect(ofEnv((await ec2InstanceAdapter.list(ctx())).resources, env)).toEqual([]);
  });

  it("leaves instances of an EKS node group to the node group", async () => {
    const env = uniqueEnv();
    await launch({ ...managedTags(env), "eks:nodegroup-name": "spot" });
    expect(ofEnv((await ec2InstanceAdapter.list(ctx())).resources, env)).toEqual([]);
  });

  it("merges new tags into the existing ones, idempotently", async () => {
    const env = uniqueEnv();
    const id = await launch(managedTags(env));
    const resource = await listedInstance(id);
    expect(await ec2InstanceAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect(await ec2InstanceAdapter.tag(ctx(), resource, { "ephemera:state": "paused" })).toMatchObject({ ok: true });
    expect((await listedInstance(id)).tags).toEqual({ ...managedTags(env), "ephemera:state": "paused" });
  });

  it("pause stops an on-demand instance and a second pause is already done", async () => {
    const resource = await listedInstance(await launch(managedTags(uniqueEnv())));
    const first = await ec2InstanceAdapter.pause!(ctx(), resource);
    expect(first).toMatchObject({ ok: true });
    expect(first.alreadyDone).toBeUndefined();
    expect(first.requestId).toEqual(expect.any(String));
    expect((await instance(resource.id)).State?.Name).toMatch(/^(stopping|stopped)$/);
    expect(await ec2InstanceAdapter.pause!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("resume starts a paused instance and a second resume is already done", async () => {
    const resource = await listedInstance(await launch(managedTags(uniqueEnv())));
    await ec2InstanceAdapter.pause!(ctx(), resource);
    expect(await ec2InstanceAdapter.resume!(ctx(), resource)).toMatchObject({ ok: true });
    expect((await instance(resource.id)).State?.Name).toMatch(/^(pending|running)$/);
    expect(await ec2InstanceAdapter.resume!(ctx(), resource)).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("pause refuses a spot instance, reporting it, and leaves it running", async () => {
    const resource = await listedInstance(await launch(managedTags(uniqueEnv()), true));
    const result = await ec2InstanceAdapter.pause!(ctx(), resource);
    expect(result).toMatchObject({ ok: false, code: "SpotInstanceNotPaused" });
    expect((await instance(resource.id)).State?.Name).toBe("running");
  });

  it("delete terminates the instance and a second delete is already done", async () => {
    const resource = await listedInstance(await launch(managedTags(uniqueEnv())));
    expect(await ec2InstanceAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    expect((await instance(resource.id)).State?.Name).toMatch(/^(shutting-down|terminated)$/);
    expect(await ec2InstanceAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("deleting an instance AWS no longer knows is already done", async () => {
    const gone: DiscoveredResource = { kind: "ec2-instance", id: "i-0123456789abcdef0", region: "us-east-1", tags: managedTags("pr-gone") };
    expect(await ec2InstanceAdapter.delete(ctx(), gone, {})).toMatchObject({ ok: true, alreadyDone: true });
  });
});
