import { K8S_LABEL } from "../reaper/model";

/** A pod toleration, in the shape Kubernetes manifests use. */
export interface Toleration {
  readonly key: string;
  readonly operator: "Equal";
  readonly value: string;
  readonly effect: "NoSchedule";
}

/**
 * The one rule that dedicates nodes to an environment: nodes carry the label and
 * NoSchedule taint `ephemera.dev/env=<envId>`; the environment's pods select the
 * label and tolerate the taint. SpotNodeGroup and EnvNamespace both read it here.
 */
export function envNodePlacement(envId: string): { nodeSelector: Readonly<Record<string, string>>; tolerations: readonly Toleration[] } {
  return {
    nodeSelector: { [K8S_LABEL.env]: envId },
    tolerations: [{ key: K8S_LABEL.env, operator: "Equal", value: envId, effect: "NoSchedule" }],
  };
}
