import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  paginateListSecrets,
  type SecretListEntry,
  TagResourceCommand,
} from "@aws-sdk/client-secrets-manager";
import { isManagedByEphemera, MANAGED_BY_VALUE, TAG } from "../model";
import type { KindContext } from "../contracts/kind-context";
import { allPages } from "../support/all-pages";
import { alreadyDone, attempt, done, failed, hasCode, listingFailure } from "../support/outcomes";
import { tagList, tagsFromList } from "../support/tag-list";
import type { DiscoveredResource, KindAdapter } from "../contracts/kind-adapter";
import { inRegion, type KindRow } from "../contracts/kind-row";

/** What the reaper knows of this kind: the phases it is deleted and paused in, and the IAM its operations need (docs/adding-a-kind.md). */
export const secretRow = {
  what: "Secrets Manager secrets (ListSecrets filtered on the managed-by tag); deleted with a 7-day recovery window",
  how: {
    find: "`ListSecrets` with `tag-key`/`tag-value` filters, plus an exact key=value check. Secrets already scheduled for deletion are not listed.",
    delete: "`DeleteSecret` by ARN with a **7-day recovery window**. Give secret names a unique suffix: until the window ends, a secret with the same name cannot be created again.",
  },
  deletePhase: "database-dependencies",
  holdsData: false,
  reportsSpend: false,
  metered: false,
  iam: {
    discover: ["secretsmanager:ListSecrets", "secretsmanager:DescribeSecret"],
    tag: { actions: ["secretsmanager:TagResource"], on: [inRegion("secretsmanager", "secret:*")], scope: "managed" },
    delete: {
      actions: ["secretsmanager:DeleteSecret"],
      on: [inRegion("secretsmanager", "secret:*")],
      scope: "managed",
      // Always with the recovery window: never ForceDeleteWithoutRecovery.
      condition: { BoolIfExists: { "secretsmanager:ForceDeleteWithoutRecovery": "false" } },
    },
  },
} satisfies KindRow;

/**
 * Days a deleted secret can still be restored. 7 is the shortest AWS allows: a
 * mistaken reap of a credential is recoverable for a week, at the cost that the
 * same secret *name* cannot be created again until then (constructs should name
 * secrets with a unique suffix, or a re-created environment's apply fails).
 */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

/**
 * Secrets Manager secrets.
 *
 * Discovery: ListSecrets with `tag-key`/`tag-value` filters (100 per page; the answer
 * carries the tags) and the exact key=value pair checked here, since the two
 * filters match independently. Secrets already scheduled for deletion are not
 * listed (ListSecrets leaves them out by default), so a reaped secret is not seen again.
 *
 * Delete: DeleteSecret with a recovery window of {@link SECRET_RECOVERY_WINDOW_DAYS}
 * days, addressed by ARN so that a secret re-created under the same name is never hit.
 */
export const secretAdapter: KindAdapter<KindContext> = {
  kind: "secret",

  async list(ctx) {
    try {
      const filters = [
        { Key: "tag-key" as const, Values: [TAG.managedBy] },
        { Key: "tag-value" as const, Values: [MANAGED_BY_VALUE] },
      ];
      const secrets = await allPages(paginateListSecrets({ client: ctx.secretsManager, pageSize: 100 }, { Filters: filters }), (page) => page.SecretList);
      const resources = secrets
        .filter((s) => s.DeletedDate === undefined && isManagedByEphemera(tagsFromList(s.Tags)))
        .map((s) => toResource(ctx, s));
      return { resources, failures: [] };
    } catch (err) {
      return { resources: [], failures: [listingFailure("secret", `region ${ctx.region}`, err)] };
    }
  },

  tag(ctx, resource, tags) {
    return attempt(async () => {
      const out = await ctx.secretsManager.send(
        new TagResourceCommand({ SecretId: resource.arn ?? resource.id, Tags: tagList(tags) }),
      );
      return done(out.$metadata.requestId);
    });
  },

  delete(ctx, resource) {
    return attempt(async () => {
      const secretId = resource.arn ?? resource.id;
      try {
        const out = await ctx.secretsManager.send(
          new DeleteSecretCommand({ SecretId: secretId, RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS }),
        );
        return done(out.$metadata.requestId, { deletionDate: out.DeletionDate?.toISOString() ?? "" });
      } catch (err) {
        if (hasCode(err, "ResourceNotFoundException")) return alreadyDone("the secret no longer exists");
        // Deleting a secret already scheduled for deletion is an InvalidRequestException.
        if (hasCode(err, "InvalidRequestException")) {
          const now = await ctx.secretsManager.send(new DescribeSecretCommand({ SecretId: secretId }));
          if (now.DeletedDate !== undefined) {
            return alreadyDone("the secret is already scheduled for deletion", now.$metadata.requestId, {
              deletionDate: now.DeletedDate.toISOString(),
            });
          }
        }
        return failed(err);
      }
    });
  },
};

function toResource(ctx: KindContext, secret: SecretListEntry): DiscoveredResource {
  return {
    kind: "secret",
    id: secret.Name ?? secret.ARN ?? "",
    ...(secret.ARN === undefined ? {} : { arn: secret.ARN }),
    region: ctx.region,
    tags: tagsFromList(secret.Tags),
  };
}
