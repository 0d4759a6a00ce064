import { CreateTagsCommand, DeleteSecurityGroupCommand, paginateDescribeSecurityGroups, type SecurityGroup } from "@aws-sdk/client-ec2";
import { MANAGED_BY_VALUE, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const securityGroupRow = {
  what: "EC2 security groups (DescribeSecurityGroups filtered on the managed-by tag); deleted after what uses them",
  how: {
    find: "`DescribeSecurityGroups` with a tag filter",
    delete: "`DeleteSecurityGroup`. A group still in use fails with `DependencyViolation`.",
  },
  deletePhase: "network",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["ec2:DescribeSecurityGroups"],
    tag: { actions: ["ec2:CreateTags"], on: [inRegion("ec2", "security-group/*")], scope: "managed" },
    delete: { actions: ["ec2:DeleteSecurityGroup"], on: [inRegion("ec2", "security-group/*")], scope: "managed" },
  },
} satisfies KindRow;

/**
 * EC2 security groups.
 *
 * Discovery: DescribeSecurityGroups filtered on `tag:ephemera:managed-by`, paginated.
 * (Real AWS's Tagging API covers security groups; moto's does not, and the EC2 call
 * is one round trip either way.)
 *
 * Delete: DeleteSecurityGroup. A group still referenced (by an interface, or another
 * group's rule) fails with AWS's `DependencyViolation`, reported as is; the engine
 * deletes instances and databases first and retries on its next run.
 */
export const securityGroupAdapter: KindAdapter<KindContext> = {
  kind: "security-group",

  async list(ctx) {
    try {
      const filters = [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY_VALUE] }];
      const groups = await allPages(paginateDescribeSecurityGroups({ client: ctx.ec2, pageSize: 1000 }, { Filters: filters }), (page) => page.SecurityGroups);
      return { resources: groups.map((g) => toResource(ctx, g)), failures: [] };
    } catch (err) {
      return { resources: [], failures: [listingFailure("security-group", `region ${ctx.region}`, err)] };
    }
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const out = await ctx.ec2.send(new CreateTagsCommand({ Resources: [resource.id], Tags: tagList(tags) }));
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      try {
        const out = await ctx.ec2.send(new DeleteSecurityGroupCommand({ GroupId: resource.id }));
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "InvalidGroup.NotFound")) return alreadyDone("the security group no longer exists");
        throw err;
      }
    });
  },
};

function toResource(ctx: KindContext, group: SecurityGroup): DiscoveredResource {
  const facts: Record<string, string | number | boolean> = {};
  if (group.GroupName !== undefined) facts.groupName = group.GroupName;
  if (group.VpcId !== undefined) facts.vpcId = group.VpcId;
  return {
    kind: "security-group",
    id: group.GroupId ?? "",
    ...(group.SecurityGroupArn === undefined ? {} : { arn: group.SecurityGroupArn }),
    region: ctx.region,
    tags: tagsFromList(group.Tags),
    facts,
  };
}
