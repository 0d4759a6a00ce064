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
import { IAM_PATH, isManagedByEphemera, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { mapWithLimit } from "../support/map-with-limit";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter, ListingFailure } from "../contracts/kind-adapter";
import { accountWide, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const iamRoleRow = {
  what: `IAM roles under the path \`${IAM_PATH}\` (ListRoles by path, then each role's tags), with their policies and instance profiles; deleted once nothing runs as them`,
  how: {
    find: "`ListRoles` with the path prefix `/ephemera/` (`EPHEMERA_IAM_PATH`), then `ListRoleTags` for each role under it.",
    delete: "Detaches every attached policy, deletes every inline policy, takes the role out of every instance profile (deleting a profile that is the same environment's: under the path, tagged as it), then `DeleteRole`. A role still in use (a node group still being deleted) fails with `DeleteConflict` and is retried by the next run.",
  },
  deletePhase: "identity",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    // The delete reads what hangs on the role; reads are allowed everywhere, like every discovery read.
    discover: ["iam:ListRoles", "iam:ListRoleTags", "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListInstanceProfilesForRole", "iam:GetInstanceProfile"],
    tag: { actions: ["iam:TagRole"], on: [accountWide("iam", "role{iamPath}*")], scope: "managed" },
    delete: {
      actions: ["iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:DeleteRole"],
      on: [accountWide("iam", "role{iamPath}*")],
      scope: "managed",
    },
    // Instance profiles under the path: the role is taken out of them, and the environment's own are deleted
    // (IAM checks RemoveRoleFromInstanceProfile against the profile, never the role).
    deleteDependents: {
      actions: ["iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"],
      on: [accountWide("iam", "instance-profile{iamPath}*")],
      scope: "name",
    },
  },
} satisfies KindRow;

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
