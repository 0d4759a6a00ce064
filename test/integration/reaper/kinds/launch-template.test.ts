import { CreateLaunchTemplateCommand, DescribeLaunchTemplatesCommand } from "@aws-sdk/client-ec2";
import { launchTemplateAdapter } from "../../../../reaper/kinds/launch-template";
import { asTagList, listedById, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();

async function template(name: string, tags: Record<string, string> | undefined): Promise<string> {
  const out = await ctx().ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { InstanceType: "m6i.large" },
      ...(tags ? { TagSpecifications: [{ ResourceType: "launch-template", Tags: asTagList(tags) }] } : {}),
    }),
  );
  return out.LaunchTemplate!.LaunchTemplateId!;
}

describe("launch-template adapter", () => {
  it("lists launch templates tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    const ours = await template(`${env}-nodes`, managedTags(env));
    const untagged = await template(`${env}-untagged`, undefined);
    const theirs = await template(`${env}-theirs`, otherManagedTags(env));
    const { resources, failures } = await launchTemplateAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(ofEnv(resources, env).map((r) => r.id)).toEqual([ours]);
    expect(resources.map((r) => r.id)).not.toEqual(expect.arrayContaining([untagged]));
    expect(resources.map((r) => r.id)).not.toEqual(expect.arrayContaining([theirs]));
    expect(ofEnv(resources, env)[0]).toMatchObject({ kind: "launch-template", tags: managedTags(env), facts: { name: `${env}-nodes` } });
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    const resource = await listedById(ctx(), launchTemplateAdapter, await template(`${env}-nodes`, managedTags(env)));
    expect(await launchTemplateAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), launchTemplateAdapter, resource.id)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete removes the template, whose name is then free again, and a second delete is already done", async () => {
    const env = uniqueEnv();
    const resource = await listedById(ctx(), launchTemplateAdapter, await template(`${env}-nodes`, managedTags(env)));
    expect(await launchTemplateAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    const left = await ctx().ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "launch-template-name", Values: [`${env}-nodes`] }] }));
    expect(left.LaunchTemplates ?? []).toEqual([]);
    expect(await launchTemplateAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
    await expect(template(`${env}-nodes`, managedTags(env))).resolves.toMatch(/^lt-/);
  });
});
