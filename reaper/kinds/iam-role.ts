import {
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetInstanceProfileCommand,
  IAMClient,
  type InstanceProfile,
  paginateListAttachedRolePolicies,
  paginateListInstanceProfilesForRole,
  paginateListRolePolicies,
  paginateListRoles,
  paginateListRoleTags,
  type Role,
  RemoveRoleFromInstanceProfileCommand,
  TagRoleCommand,
} from "@aws-sdk/client-iam";
import { isManagedByEphemera, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, ListingFailure } from "../contracts/kind-adapter";

/**
 * IAM roles of environments (a node group's node role, a namespace's workload role),
 * with what hangs on them: attached and inline policies, and instance profiles.
 *
 * Discovery: IAM has no tag filter and the Tagging API does not list roles, so every
 * role an environment creates lives under one IAM path (`/ephemera/`; the constructs put
 * it there), and the reaper lists that path only: ListRoles with the path prefix
 * (`EPHEMERA_IAM_PATH`), then ListRoleTags for each role found there. Only roles whose
 * tags say managed-by=ephemera are passed on.
 *
 * Delete, in dependency order: detach every attached policy, delete every inline policy,
 * take the role out of every instance profile (and delete a profile that is the same
 * environment's own: under the path, tagged managed-by and the same env), then delete
 * the role. A role still in use (an EKS node group being deleted keeps its instance
 * profile until it is gone) answers DeleteConflict: reported, and retried by the next run.
 *
 * IAM is account-wide, like Budgets: a reaper sees the roles of every region's
 * environments (docs/kinds.md).
 */
export const iamRoleAdapter: KindAdapter<KindContext> = {
  kind: "iam-role",

  async list(ctx) {
    const iam = ctx.client(IAMClient);
    let roles: Role[];
    try {
      roles = await allPages(paginateListRoles({ client: iam, pageSize: 1000 }, { PathPrefix: ctx.iamPath }), (page) => page.Roles);
    } catch (err) {
      return { resources: [], failures: [listingFailure("iam-role", `IAM path ${ctx.iamPath}`, err)] };
    }
    const failures: ListingFailure[] = [];
    const found = await mapWithLimit(roles, ctx.listConcurrency, async (role) => {
      try {
        const tags = tagsFromList(await allPages(paginateListRoleTags({ client: iam }, { RoleName: role.RoleName }), (page) => page.Tags));
        return isManagedByEphemera(tags) ? toResource(ctx, role, tags) : undefined;
      } catch (err) {
        if (hasCode(err, "NoSuchEntity", "NoSuchEntityException")) return undefined; // deleted since ListRoles
        failures.push(listingFailure("iam-role", `role ${role.RoleName}`, err));
        return undefined;
      }
    });
    return { resources: found.filter((r): r is DiscoveredResource => r !== undefined), failures };
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const out = await ctx.client(IAMClient).send(new TagRoleCommand({ RoleName: resource.id, Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      const iam = ctx.client(IAMClient);
      const RoleName = resource.id;
      try {
        const attached = await allPages(paginateListAttachedRolePolicies({ client: iam }, { RoleName }), (page) => page.AttachedPolicies);
        for (const policy of attached) await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: policy.PolicyArn }));
        const inline = await allPages(paginateListRolePolicies({ client: iam }, { RoleName }), (page) => page.PolicyNames);
        for (const PolicyName of inline) await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
        const profiles = await allPages(paginateListInstanceProfilesForRole({ client: iam }, { RoleName }), (page) => page.InstanceProfiles);
        let profilesDeleted = 0;
        for (const profile of profiles) {
          await iam.send(new RemoveRoleFromInstanceProfileCommand({ RoleName, InstanceProfileName: profile.InstanceProfileName }));
          // ListInstanceProfilesForRole leaves tags out; GetInstanceProfile has them.
          const { InstanceProfile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profile.InstanceProfileName }));
          const profileTags = tagsFromList(InstanceProfile?.Tags);
          if (isSameEnvironments(profile, profileTags, resource, ctx.iamPath)) {
            await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profile.InstanceProfileName }));
            profilesDeleted++;
          }
        }
        const out = await iam.send(new DeleteRoleCommand({ RoleName }));
        return done(out.$metadata.requestId, {
          policiesDetached: attached.length,
          inlinePoliciesDeleted: inline.length,
          instanceProfilesLeft: profiles.length,
          instanceProfilesDeleted: profilesDeleted,
        });
      } catch (err) {
        if (hasCode(err, "NoSuchEntity", "NoSuchEntityException")) return alreadyDone("the role no longer exists");
        throw err;
      }
    });
  },
};

/** An instance profile the environment made itself: under the path, and tagged as the role's environment. */
function isSameEnvironments(profile: InstanceProfile, tags: Record<string, string>, role: DiscoveredResource, iamPath: string): boolean {
  return (profile.Path ?? "").startsWith(iamPath) && isManagedByEphemera(tags) && tags[TAG.env] !== undefined && tags[TAG.env] === role.tags[TAG.env];
}

function toResource(ctx: KindContext, role: Role, tags: Record<string, string>): DiscoveredResource {
  return {
    kind: "iam-role",
    id: role.RoleName!,
    ...(role.Arn === undefined ? {} : { arn: role.Arn }),
    region: ctx.region,
    tags,
    facts: { path: role.Path ?? "/" },
  };
}
