import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { LaunchTemplate, LaunchTemplateTagSpecifications } from "@cdktf/provider-aws/lib/launch-template";
import { IConstruct } from "constructs";
import { Annotations, Aspects, Fn, IAspect, TerraformResource, Token } from "./core";
import { EnvironmentLabelling } from "./environment-labels";
import {
  InvalidValueError,
  MANAGED_BY_VALUE,
  OnExpiry,
  RUNTIME_TAG_KEYS,
  TAG,
  parseDuration,
  parseEnvId,
  parseOwner,
  parseInstant,
  formatInstant,
  IAM_PATH,
} from "../reaper/model";

/** The facts every resource of one environment carries as `ephemera:*` tags. */
export interface EnvironmentTagProps {
  /** Environment id, DNS-label safe, at most 40 characters (`pr-123`, `agent-7f3a`). */
  readonly envId: string;
  /**
   * Who is notified about expiry and budget (an e-mail address, a team handle or an SNS topic ARN):
   * an AWS tag value, so at most 256 letters, digits, spaces and `_ . : / = + - @`.
   */
  readonly owner: string;
  /**
   * Lifetime from first apply, in the one TTL grammar (`90m`, `8h`, `3d`, `1w`, `1d12h`).
   * @default 8h
   */
  readonly ttl?: string;
  /**
   * Absolute expiry override, ISO-8601 with `Z` or an explicit offset.
   * The environment lives until the later of this and created-at + ttl.
   * @default - none: created-at + ttl decides
   */
  readonly expiresAt?: string;
  /**
   * What the reaper does at expiry.
   * @default delete
   */
  readonly onExpiry?: OnExpiry;
  /**
   * The environment's budget in US dollars, recorded as `ephemera:budget-usd`.
   * @default - no budget tag
   */
  readonly budgetUsd?: number;
  /**
   * `true` makes the reaper leave the whole environment alone, whatever else holds.
   * @default false
   */
  readonly protect?: boolean;
}

export const DEFAULT_TTL = "8h";

const EXCLUDED = Symbol.for("ephemera.excludeFromEnvironmentTags");

/**
 * Keeps `construct` and everything below it free of environment tags: for
 * long-lived shared things such as the audit bucket, which must never look like
 * an environment's resource to the reaper.
 */
export function excludeFromEnvironmentTags(construct: IConstruct): void {
  (construct as unknown as Record<symbol, boolean>)[EXCLUDED] = true;
}

function isExcluded(construct: IConstruct): boolean {
  return construct.node.scopes.some((scope) => (scope as unknown as Record<symbol, boolean>)[EXCLUDED] === true);
}

/** A generated provider resource with a `tags` map argument. */
interface TaggableResource extends TerraformResource {
  tags: Record<string, string> | undefined;
  readonly tagsInput: Record<string, string> | undefined;
}

function isTaggable(node: IConstruct): node is TaggableResource {
  return node instanceof TerraformResource && "tagsInput" in node && "tags" in node;
}

/** Validates the props and returns the tag map they describe (created-at excluded). */
export function environmentTags(props: EnvironmentTagProps): Record<string, string> {
  const envId = parseEnvId(props.envId, { field: "envId" });
  // The CLI's --owner rule: an AWS tag value, non-empty, without surrounding spaces.
  parseOwner(props.owner ?? "", { field: "owner" });
  const ttl = props.ttl ?? DEFAULT_TTL;
  parseDuration(ttl, { field: "ttl" });
  const tags: Record<string, string> = {
    [TAG.managedBy]: MANAGED_BY_VALUE,
    [TAG.env]: envId,
    [TAG.owner]: props.owner,
    [TAG.ttl]: ttl,
    [TAG.onExpiry]: props.onExpiry ?? "delete",
  };
  if (props.expiresAt !== undefined) {
    tags[TAG.expiresAt] = formatInstant(parseInstant(props.expiresAt, { field: "expiresAt" }));
  }
  if (props.budgetUsd !== undefined) {
    if (!Number.isFinite(props.budgetUsd) || props.budgetUsd <= 0) {
      throw new InvalidValueError("budgetUsd", String(props.budgetUsd), "is not a positive number of US dollars", "use a budget such as 25");
    }
    tags[TAG.budgetUsd] = String(props.budgetUsd);
  }
  if (props.protect) tags[TAG.protect] = "true";
  return tags;
}

/**
 * Puts the environment's `ephemera:*` tags on every taggable resource in scope.
 *
 * `ephemera:created-at` is Terraform's `timestamp()` at first apply; it and the
 * tags the reaper or CLI write later (state, extended-until, paused size) are in
 * `ignore_changes`, so a re-deploy never moves an expiry or undoes a pause.
 *
 * A launch template's `tags` only tag the template. The instances, volumes and
 * network interfaces launched from it (an EKS node group's nodes, say) get the
 * tags of its `tag_specifications` entries, so the Aspect fills each entry's tags
 * with the same map; without them cost allocation by `ephemera:env` would miss
 * the EC2 spend. `tag_specifications` goes into `ignore_changes`: every change to
 * it makes a new template version, and `timestamp()` changes on every plan, so a
 * node group pinned to the latest version would roll its nodes on every apply.
 * The price: later changes to the environment's tags (a new owner, say) reach
 * the template's own tags but not the instances launched from it.
 */
export class EnvironmentTagging implements IAspect {
  /** The validated tag map (without created-at, which is Terraform's `timestamp()`). */
  readonly tags: Readonly<Record<string, string>>;

  constructor(props: EnvironmentTagProps) {
    this.tags = environmentTags(props);
  }

  visit(node: IConstruct): void {
    if (!isTaggable(node) || isExcluded(node)) return;
    if (node instanceof IamRole || node instanceof IamInstanceProfile) placeUnderIamPath(node);
    const tags = { ...this.tags, [TAG.createdAt]: Fn.timestamp() };
    node.tags = { ...(node.tagsInput ?? {}), ...tags };
    const ignore = RUNTIME_TAG_KEYS.map((key) => `tags["${key}"]`);
    if (node instanceof LaunchTemplate && this.tagLaunchedResources(node, tags)) ignore.push("tag_specifications");
    const lifecycle = node.lifecycle ?? {};
    const ignored = lifecycle.ignoreChanges;
    if (ignored === "all") return;
    node.lifecycle = { ...lifecycle, ignoreChanges: [...new Set([...(ignored ?? []), ...ignore])] };
  }

  /** Fills the tags of each `tag_specifications` entry; false when there is none to fill. */
  private tagLaunchedResources(template: LaunchTemplate, tags: Record<string, string>): boolean {
    const specs = template.tagSpecificationsInput;
    if (specs === undefined) return false;
    if (Token.isUnresolved(specs) || !Array.isArray(specs)) {
      Annotations.of(template).addWarning(
        "tag_specifications is a token, so the environment's tags could not be added to the instances launched from this template; pass a literal list of { resourceType } entries",
      );
      return false;
    }
    const filled = (specs as LaunchTemplateTagSpecifications[]).map((spec) => ({ ...spec, tags: { ...(spec.tags ?? {}), ...tags } }));
    if (filled.length === 0) return false;
    template.putTagSpecifications(filled);
    return true;
  }
}

/**
 * IAM roles and instance profiles of an environment live under IAM_PATH, the one path the
 * reaper lists (IAM cannot filter by tag, and reads tags one role at a time). A path the
 * caller chose outside it is an error: the reaper would never find the role to delete it.
 */
function placeUnderIamPath(node: IamRole | IamInstanceProfile): void {
  const given = node.pathInput;
  if (given === undefined) {
    node.path = IAM_PATH;
  } else if (!Token.isUnresolved(given) && !given.startsWith(IAM_PATH)) {
    Annotations.of(node).addError(
      `path "${given}" is outside ${IAM_PATH}: the reaper finds an environment's roles and instance profiles only under it, and would leave this one behind; use ${IAM_PATH} or a path under it, such as "${IAM_PATH}team/"`,
    );
  }
}

/**
 * Tags every taggable AWS resource under `scope` as part of one environment, and
 * labels/annotates every Kubernetes object with the same facts (`ephemera.dev/*`).
 */
export function tagEnvironment(scope: IConstruct, props: EnvironmentTagProps): void {
  const tagging = new EnvironmentTagging(props);
  Aspects.of(scope).add(tagging);
  Aspects.of(scope).add(new EnvironmentLabelling(tagging.tags));
}
