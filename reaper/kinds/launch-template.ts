import { CreateTagsCommand, DeleteLaunchTemplateCommand, type LaunchTemplate, paginateDescribeLaunchTemplates } from "@aws-sdk/client-ec2";
import { MANAGED_BY_VALUE, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const launchTemplateRow = {
  what: "EC2 launch templates (DescribeLaunchTemplates filtered on the managed-by tag); deleted after the node group that launched from them",
  how: {
    find: "`DescribeLaunchTemplates` with a tag filter",
    delete: "`DeleteLaunchTemplate`, with every version.",
  },
  deletePhase: "resources",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["ec2:DescribeLaunchTemplates"],
    tag: { actions: ["ec2:CreateTags"], on: [inRegion("ec2", "launch-template/*")], scope: "managed" },
    delete: { actions: ["ec2:DeleteLaunchTemplate"], on: [inRegion("ec2", "launch-template/*")], scope: "managed" },
  },
} satisfies KindRow;

/**
 * EC2 launch templates (a SpotNodeGroup's).
 *
 * Discovery: DescribeLaunchTemplates filtered on `tag:ephemera:managed-by`, paginated;
 * the answer carries the tags. Delete: DeleteLaunchTemplate, with every version, after the
 * node group that launched from it. A template left behind would make a redeploy of the
 * same environment id fail: its name is taken.
 */
export const launchTemplateAdapter: KindAdapter<KindContext> = {
  kind: "launch-template",

  async list(ctx) {
    try {
      const filters = [{ Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY_VALUE] }];
      const templates = await allPages(paginateDescribeLaunchTemplates({ client: ctx.ec2, pageSize: 200 }, { Filters: filters }), (page) => page.LaunchTemplates);
      return { resources: templates.filter((t) => t.LaunchTemplateId !== undefined).map((t) => toResource(ctx, t)), failures: [] };
    } catch (err) {
      return { resources: [], failures: [listingFailure("launch-template", `region ${ctx.region}`, err)] };
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
        const out = await ctx.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: resource.id }));
        return done(out.$metadata.requestId);
      } catch (err) {
        if (hasCode(err, "InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException")) {
          return alreadyDone("the launch template no longer exists");
        }
        throw err;
      }
    });
  },
};

function toResource(ctx: KindContext, template: LaunchTemplate): DiscoveredResource {
  return {
    kind: "launch-template",
    id: template.LaunchTemplateId!,
    region: ctx.region,
    tags: tagsFromList(template.Tags),
    facts: { ...(template.LaunchTemplateName === undefined ? {} : { name: template.LaunchTemplateName }) },
  };
}
