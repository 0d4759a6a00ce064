import type { DiscoveredResource } from "./kind-adapter";

/**
 * True when a resource is the audit bucket or an object in it. Discovery should never
 * return it; decide drops it and act refuses it anyway, because the records must
 * outlive every environment, including one that (mis)tags the audit bucket as its own.
 */
export function refersToAuditBucket(resource: Pick<DiscoveredResource, "kind" | "id" | "arn">, bucket: string): boolean {
  if (bucket === "") return false;
  if (resource.kind === "s3-bucket" && (resource.id === bucket || resource.id.startsWith(`${bucket}/`))) return true;
  const arn = resource.arn ?? "";
  const prefix = /^arn:aws[a-z-]*:s3:::/.exec(arn);
  if (prefix === null) return false;
  const rest = arn.slice(prefix[0].length);
  return rest === bucket || rest.startsWith(`${bucket}/`);
}
