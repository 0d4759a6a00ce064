import { IConstruct } from "constructs";
import { Aspects, Fn, IAspect, TerraformResource } from "./core";
import {
  InvalidValueError,
  MANAGED_BY_VALUE,
  OnExpiry,
  RUNTIME_TAG_KEYS,
  TAG,
  parseDuration,
  parseEnvId,
  parseInstant,
  formatInstant,
} from "../reaper/model";

/** The facts every resource of one environment carries as `ephemera:*` tags. */
export interface EnvironmentTagProps {
  /** Environment id, DNS-label safe, at most 40 characters (`pr-123`, `agent-7f3a`). */
  readonly envId: string;
  /** Who is notified about expiry and budget (an e-mail address or team handle). */
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
  if (!props.owner || props.owner.trim() !== props.owner) {
    throw new InvalidValueError("owner", props.owner ?? "", "must be non-empty without surrounding spaces", 'use a contact such as "team-web@example.com"');
  }
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
 */
export class EnvironmentTagging implements IAspect {
  private readonly tags: Record<string, string>;

  constructor(props: EnvironmentTagProps) {
    this.tags = environmentTags(props);
  }

  visit(node: IConstruct): void {
    if (!isTaggable(node) || isExcluded(node)) return;
    node.tags = { ...(node.tagsInput ?? {}), ...this.tags, [TAG.createdAt]: Fn.timestamp() };
    const lifecycle = node.lifecycle ?? {};
    const ignored = lifecycle.ignoreChanges;
    if (ignored === "all") return;
    const runtime = RUNTIME_TAG_KEYS.map((key) => `tags["${key}"]`);
    node.lifecycle = { ...lifecycle, ignoreChanges: [...new Set([...(ignored ?? []), ...runtime])] };
  }
}

/** Tags every taggable resource under `scope` as part of one environment. */
export function tagEnvironment(scope: IConstruct, props: EnvironmentTagProps): void {
  Aspects.of(scope).add(new EnvironmentTagging(props));
}
