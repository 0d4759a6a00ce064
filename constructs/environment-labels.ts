import { IConstruct } from "constructs";
import { Fn, IAspect, TerraformResource } from "./core";
import {
  JANITOR_EXPIRES_ANNOTATION,
  K8S_ANNOTATION,
  K8S_LABEL,
  RUNTIME_K8S_KEYS,
  TAG,
} from "../reaper/model";
import { expiryExpression } from "./private/terraform-time";

/** The `metadata` block of a generated Kubernetes resource. */
interface KubernetesMetadata {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  readonly labelsInput?: Record<string, string>;
  readonly annotationsInput?: Record<string, string>;
}

function kubernetesMetadata(node: IConstruct): KubernetesMetadata | undefined {
  if (!(node instanceof TerraformResource) || !node.terraformResourceType.startsWith("kubernetes_")) return undefined;
  const metadata = (node as unknown as { metadata?: unknown }).metadata;
  return metadata && typeof metadata === "object" && "labelsInput" in metadata ? (metadata as KubernetesMetadata) : undefined;
}

/**
 * The Kubernetes side of environment tagging: the same facts as `ephemera.dev/*`
 * labels (what selectors need) and annotations (everything else), plus kube-janitor's
 * `janitor/expires`, on every Kubernetes object in scope.
 *
 * `created-at` and `janitor/expires` are computed at first apply (`timestamp()`,
 * `timeadd`) and then ignored by Terraform, like the AWS created-at tag, so a
 * re-deploy never moves the expiry; so are the keys the reaper writes later.
 */
export class EnvironmentLabelling implements IAspect {
  private readonly labels: Record<string, string> = {};
  private readonly annotations: Record<string, string> = {};
  private readonly expiresExpression: string;

  /** @param tags the environment's validated AWS tag map (see `environmentTags`) */
  constructor(tags: Readonly<Record<string, string>>) {
    for (const [name, tagKey] of Object.entries(TAG)) {
      const value = tags[tagKey];
      if (value === undefined) continue;
      if (name in K8S_LABEL) this.labels[K8S_LABEL[name as keyof typeof K8S_LABEL]] = value;
      else if (name in K8S_ANNOTATION) this.annotations[K8S_ANNOTATION[name as keyof typeof K8S_ANNOTATION]] = value;
    }
    // The later of created-at + ttl and the override: the janitor must never be earlier than the reaper.
    this.expiresExpression = expiryExpression(Fn.timestamp(), tags[TAG.ttl]!, tags[TAG.expiresAt]);
  }

  visit(node: IConstruct): void {
    const metadata = kubernetesMetadata(node);
    if (!metadata) return;
    const resource = node as TerraformResource;
    metadata.labels = { ...(metadata.labelsInput ?? {}), ...this.labels };
    metadata.annotations = {
      ...(metadata.annotationsInput ?? {}),
      ...this.annotations,
      [K8S_ANNOTATION.createdAt]: Fn.timestamp(),
      [JANITOR_EXPIRES_ANNOTATION]: this.expiresExpression,
    };
    const runtime = [K8S_ANNOTATION.createdAt, JANITOR_EXPIRES_ANNOTATION, ...RUNTIME_K8S_KEYS];
    const ignore = [...new Set(runtime)].map((key) =>
      Object.values(K8S_LABEL).includes(key as never) ? `metadata[0].labels["${key}"]` : `metadata[0].annotations["${key}"]`,
    );
    const lifecycle = resource.lifecycle ?? {};
    if (lifecycle.ignoreChanges === "all") return;
    resource.lifecycle = { ...lifecycle, ignoreChanges: [...new Set([...(lifecycle.ignoreChanges ?? []), ...ignore])] };
  }
}
