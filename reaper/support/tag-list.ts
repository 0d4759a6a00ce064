import type { Tags } from "../model";

/** AWS's `[{Key, Value}]` tag shape (EC2, RDS, S3, Budgets, Scheduler, Secrets Manager, Tagging API). */
export interface TagPair {
  Key?: string;
  Value?: string;
}

/** `[{Key, Value}]` → `{key: value}`; entries without a key are dropped, a missing value is "". */
export function tagsFromList(list: readonly TagPair[] | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const { Key, Value } of list ?? []) {
    if (Key !== undefined) tags[Key] = Value ?? "";
  }
  return tags;
}

/** `{key: value}` → `[{Key, Value}]`. */
export function tagList(tags: Readonly<Record<string, string>>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}
