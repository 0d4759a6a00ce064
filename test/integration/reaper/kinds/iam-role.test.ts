import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { iamRoleAdapter } from "../../../../reaper/kinds/iam-role";
import { IAM_PATH } from "../../../../reaper/model";
import { asTagList, listedById, managedTags, ofEnv, otherManagedTags, uniqueEnv, useKindContext } from "./kind-test-context";

const { ctx } = useKindContext();
const TRUST = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] });
const POLICY = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }] });

const iam = () => ctx().client(IAMClient);

async function role(name: string, tags: Record<string, string> | undefined, path = IAM_PATH): Promise<string> {
  await iam().send(new CreateRoleCommand({ RoleName: name, Path: path, AssumeRolePolicyDocument: TRUST, ...(tags ? { Tags: asTagList(tags) } : {}) }));
  return name;
}

async function exists(get: () => Promise<unknown>): Promise<boolean> {
  return get().then(
    () => true,
    (err: unknown) => {
      if (err instanceof IAMServiceException && err.name === "NoSuchEntityException") return false;
      throw err;
    },
  );
}

describe("iam-role adapter", () => {
  it("lists the roles under the environments' IAM path that are tagged managed-by=ephemera, and no others", async () => {
    const env = uniqueEnv();
    const ours = await role(`${env}-nodes-node`, managedTags(env));
    await role(`${env}-untagged`, undefined);
    await role(`${env}-theirs`, otherManagedTags(env));
    await role(`${env}-elsewhere`, managedTags(env), "/platform/");
    const { resources, failures } = await iamRoleAdapter.list(ctx());
    expect(failures).toEqual([]);
    expect(ofEnv(resources, env).map((r) => r.id)).toEqual([ours]);
    expect(ofEnv(resources, env)[0]).toMatchObject({ kind: "iam-role", arn: expect.stringContaining(`:role${IAM_PATH}${ours}`), tags: managedTags(env), facts: { path: IAM_PATH } });
  });

  it("merges new tags into the existing ones", async () => {
    const env = uniqueEnv();
    const resource = await listedById(ctx(), iamRoleAdapter, await role(`${env}-workload`, managedTags(env)));
    expect(await iamRoleAdapter.tag(ctx(), resource, { "ephemera:state": "reaping" })).toMatchObject({ ok: true });
    expect((await listedById(ctx(), iamRoleAdapter, resource.id)).tags).toEqual({ ...managedTags(env), "ephemera:state": "reaping" });
  });

  it("delete detaches its policies, deletes its inline ones, leaves other profiles, deletes its own profile, then the role; again is already done", async () => {
    const env = uniqueEnv();
    const name = await role(`${env}-nodes-node`, managedTags(env));
    const { Policy } = await iam().send(new CreatePolicyCommand({ PolicyName: `${env}-shared-policy`, PolicyDocument: POLICY }));
    await iam().send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: Policy!.Arn }));
    await iam().send(new PutRolePolicyCommand({ RoleName: name, PolicyName: "inline", PolicyDocument: POLICY }));
    await iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: `${env}-own`, Path: IAM_PATH, Tags: asTagList(managedTags(env)) }));
    await iam().send(new CreateInstanceProfileCommand({ InstanceProfileName: `${env}-platform`, Path: "/platform/" }));
    for (const profile of [`${env}-own`, `${env}-platform`]) await iam().send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: name }));

    const resource = await listedById(ctx(), iamRoleAdapter, name);
    const result = await iamRoleAdapter.delete(ctx(), resource, {});
    expect(result).toMatchObject({ ok: true, facts: { policiesDetached: 1, inlinePoliciesDeleted: 1, instanceProfilesLeft: 2, instanceProfilesDeleted: 1 } });
    expect(await exists(() => iam().send(new GetRoleCommand({ RoleName: name })))).toBe(false);
    expect(await exists(() => iam().send(new GetInstanceProfileCommand({ InstanceProfileName: `${env}-own` })))).toBe(false);
    const platform = await iam().send(new GetInstanceProfileCommand({ InstanceProfileName: `${env}-platform` }));
    expect(platform.InstanceProfile!.Roles).toEqual([]);
    expect(await iamRoleAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: true, alreadyDone: true });
  });

  it("a role still in use fails with IAM's DeleteConflict code and is left for the next run", async () => {
    const env = uniqueEnv();
    const resource = await listedById(ctx(), iamRoleAdapter, await role(`${env}-nodes-node`, managedTags(env)));
    // An EKS node group being deleted keeps the role in its instance profile; IAM's answer is injected.
    iam().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "DeleteRoleCommand") {
          throw new IAMServiceException({ name: "DeleteConflictException", $fault: "client", $metadata: { httpStatusCode: 409, requestId: "req-conflict" }, message: "Cannot delete entity, must remove roles from instance profile first." });
        }
        return next(args);
      },
      { step: "initialize", name: "deleteConflict" },
    );
    expect(await iamRoleAdapter.delete(ctx(), resource, {})).toMatchObject({ ok: false, code: "DeleteConflictException", requestId: "req-conflict" });
    iam().middlewareStack.remove("deleteConflict");
    expect(await exists(() => iam().send(new GetRoleCommand({ RoleName: resource.id })))).toBe(true);
  });

  it("a role whose tags cannot be read is a listing failure, not a role without tags", async () => {
    const env = uniqueEnv();
    await role(`${env}-unreadable`, managedTags(env));
    iam().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ListRoleTagsCommand") {
          throw new IAMServiceException({ name: "Throttling", $fault: "client", $metadata: { httpStatusCode: 400 }, message: "Rate exceeded" });
        }
        return next(args);
      },
      { step: "initialize", name: "throttleTags" },
    );
    const { resources, failures } = await iamRoleAdapter.list(ctx());
    iam().middlewareStack.remove("throttleTags");
    expect(ofEnv(resources, env)).toEqual([]);
    expect(failures).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "iam-role", scope: `role ${env}-unreadable`, code: "Throttling" })]));
    expect(failures.every((f) => f.env === undefined)).toBe(true);
  });
});
