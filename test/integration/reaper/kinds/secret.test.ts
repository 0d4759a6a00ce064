import { CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { secretAdapter } from "../../../../reaper/kinds/secret";
import { asTagList, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext, listedById } from "./kind-test-context";

const { ctx } = useKindContext();

async function secret(name: string, tags: Record<string, string> | undefined): Promise<string> {
  const out = await ctx().secretsManager.send(
    new CreateSecretCommand({ Name: name, SecretString: "s3cr3t", ...(tags ? { Tags: asTagList(tags) } : {}) }),
  );
  return out.ARN!;
}

describe("secret adapter", () => {
  it("lists secrets tagged managed-by=ephemera and ignores the rest", async () => {
    const env = uniqueEnv();
    const arn = await secret(`${env}/db-password`, managedTags(env));
    await secret(`${env}/untagged`, undefined);
    await secret(`${env}/theirs`, otherManagedTags(env));
    // Another tag whose value is "ephemera" must not pass the tag-value filter on its own.
    await secret(`${env}/lookalike`, { "ephemera:managed-by": "someone", team: "ephemera" });
    const { resources, failures } = await secretAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(resources.filter((r) => r.id.startsWith(`${env}/`))).toEqual([
      { kind: "secret", id: `${env}/db-password`, arn, region: "us-east-1", tags: managedTags(env) },
    ]);
  });

  it("does not list a secret already scheduled for deletion", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    await ctx().secretsManager.send(new DeleteSecretCommand({ SecretId: `${env}/db-password`, RecoveryWindowInDays: 7 }));
    expect(ofEnv((await secretAdapter.list(ctx())).resources, env)).toEqual([]);
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listedById(ctx(), secretAdapter, `${env}/db-password`);
    expect(await secretAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), secretAdapter, `${env}/db-password`)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete schedules the secret for deletion after a 7-day recovery window", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listedById(ctx(), secretAdapter, `${env}/db-password`);
    const before = Date.now();
    expect(await secretAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true });
    const described = await ctx().secretsManager.send(new DescribeSecretCommand({ SecretId: resource.arn }));
    const days = (described.DeletedDate!.getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });

  it("a second delete is already done", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listedById(ctx(), secretAdapter, `${env}/db-password`);
    await secretAdapter.delete(ctx(), resource, {});
    expect(await secretAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("deleting a secret that no longer exists at all is already done", async () => {
    const env = uniqueEnv();
    await secret(`${env}/db-password`, managedTags(env));
    const resource = await listedById(ctx(), secretAdapter, `${env}/db-password`);
    await ctx().secretsManager.send(new DeleteSecretCommand({ SecretId: resource.arn, ForceDeleteWithoutRecovery: true }));
    expect(await secretAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });
});
