import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Construct } from "constructs";
import {
  InvalidValueError,
  ISOLATION_NAMESPACE_LABEL,
  K8S_LABEL,
  MANAGED_BY_VALUE,
  RUNTIME_CLASS_PREFIX,
  RUNTIME_OVERHEAD,
  runtimeClassName,
  runtimeHandler,
  SANDBOX_LEVELS,
  SANDBOX_NODE_LABEL,
  type SandboxIsolation,
  sandboxTaint,
  tryParseIsolation,
} from "../reaper/model";

export interface SandboxRuntimesProps {
  /**
   * The sandbox levels the cluster's sandbox nodes offer; each gets its RuntimeClass.
   * @default - gvisor and kata
   */
  readonly levels?: readonly SandboxIsolation[];
}

/** The name of the one ValidatingAdmissionPolicy and of its one binding. */
export const SANDBOX_POLICY_NAME = "ephemera-sandbox-runtime";

/** Namespaces labelled with a sandbox level; "none" (or no label) is not one. */
export const SANDBOX_NAMESPACE_SELECTOR = {
  matchExpressions: [
    { key: ISOLATION_NAMESPACE_LABEL, operator: "Exists" },
    { key: ISOLATION_NAMESPACE_LABEL, operator: "NotIn", values: ["none"] },
  ],
};

/**
 * The admission policy's CEL, as data: the construct synthesizes exactly these and the
 * tests evaluate exactly these (test/unit/constructs/sandbox-runtimes.cel.test.ts).
 * Variables are evaluated in order and may use the ones before them.
 */
export const SANDBOX_POLICY_CEL = {
  variables: [
    { name: "isolation", expression: `namespaceObject.metadata.labels['${ISOLATION_NAMESPACE_LABEL}']` },
    { name: "required", expression: `'${RUNTIME_CLASS_PREFIX}' + variables.isolation` },
    // A CronJob's pods are two templates down; every other workload kind's one.
    { name: "path", expression: "object.kind == 'Pod' ? 'spec' : object.kind == 'CronJob' ? 'spec.jobTemplate.spec.template.spec' : 'spec.template.spec'" },
    {
      name: "podSpec",
      expression: "object.kind == 'Pod' ? object.spec : object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec",
    },
    { name: "name", expression: "has(object.metadata.name) ? object.metadata.name : (has(object.metadata.generateName) ? object.metadata.generateName + '*' : '(unnamed)')" },
  ],
  /**
   * An update of an object already being deleted (a finalizer removed by the garbage
   * collector) is let through, so a namespace can always finish terminating; controllers
   * start no pods for such objects, and every pod is checked at CREATE anyway.
   */
  matchConditions: [{ name: "not-being-deleted", expression: "!has(object.metadata.deletionTimestamp)" }],
  validation: {
    expression: "has(variables.podSpec.runtimeClassName) && variables.podSpec.runtimeClassName == variables.required",
    messageExpression:
      "object.kind + ' ' + variables.name + ' in namespace ' + namespaceObject.metadata.name + ' must run in the ' + variables.isolation + " +
      "' sandbox: set ' + variables.path + '.runtimeClassName: ' + variables.required + " +
      "(has(variables.podSpec.runtimeClassName) ? ' (it is ' + variables.podSpec.runtimeClassName + ')' : ' (it has none)')",
  },
  /** Shown when the messageExpression itself fails. */
  message: `pods in a namespace labelled ${ISOLATION_NAMESPACE_LABEL}=<level> must set spec.runtimeClassName: ephemera-<level>`,
} as const;

/**
 * What the policy checks: every pod at CREATE (a pod's runtimeClassName is immutable,
 * and ephemeral containers join the pod's existing sandbox), and every workload kind
 * with a pod template at CREATE and UPDATE, so a bad Deployment fails at apply rather
 * than as a ReplicaSet that never gets pods.
 */
export const SANDBOX_POLICY_RULES = [
  { apiGroups: [""], apiVersions: ["v1"], resources: ["pods"], operations: ["CREATE"] },
  { apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"], operations: ["CREATE", "UPDATE"] },
  { apiGroups: ["batch"], apiVersions: ["v1"], resources: ["jobs", "cronjobs"], operations: ["CREATE", "UPDATE"] },
  { apiGroups: [""], apiVersions: ["v1"], resources: ["replicationcontrollers"], operations: ["CREATE", "UPDATE"] },
];

const LABELS = { [K8S_LABEL.managedBy]: MANAGED_BY_VALUE };

/** The RuntimeClass of one level, as the API server takes it. */
export function sandboxRuntimeClass(level: SandboxIsolation): Record<string, unknown> {
  const taint = sandboxTaint(level);
  return {
    apiVersion: "node.k8s.io/v1",
    kind: "RuntimeClass",
    metadata: { name: runtimeClassName(level), labels: LABELS },
    handler: runtimeHandler(level),
    // Added to each pod's requests and limits at admission: scheduler, kubelet and ResourceQuota count it.
    overhead: { podFixed: { ...RUNTIME_OVERHEAD[level] } },
    // Merged into each pod's nodeSelector and tolerations at admission, so pods land on sandbox nodes only.
    scheduling: {
      nodeSelector: { [SANDBOX_NODE_LABEL]: level },
      tolerations: [{ key: taint.key, operator: "Equal", value: taint.value, effect: taint.effect }],
    },
  };
}

/** The ValidatingAdmissionPolicy, as the API server takes it. */
export function sandboxPolicy(): Record<string, unknown> {
  const cel = SANDBOX_POLICY_CEL;
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicy",
    metadata: { name: SANDBOX_POLICY_NAME, labels: LABELS },
    spec: {
      failurePolicy: "Fail",
      matchConstraints: { namespaceSelector: SANDBOX_NAMESPACE_SELECTOR, resourceRules: SANDBOX_POLICY_RULES },
      matchConditions: cel.matchConditions,
      variables: cel.variables,
      validations: [{ ...cel.validation, message: cel.message, reason: "Forbidden" }],
    },
  };
}

/** The binding that applies the policy, denying, to every namespace with a sandbox label. */
export function sandboxPolicyBinding(): Record<string, unknown> {
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingAdmissionPolicyBinding",
    metadata: { name: SANDBOX_POLICY_NAME, labels: LABELS },
    spec: { policyName: SANDBOX_POLICY_NAME, validationActions: ["Deny"], matchResources: { namespaceSelector: SANDBOX_NAMESPACE_SELECTOR } },
  };
}

/**
 * The cluster's sandbox runtimes, created once per cluster (not per environment): a
 * RuntimeClass per level (`ephemera-gvisor`, `ephemera-kata`: handler, overhead, and
 * scheduling onto the sandbox nodes) and one ValidatingAdmissionPolicy with its binding
 * that rejects, in every namespace labelled `ephemera.dev/isolation=<level>`, any pod
 * or workload template whose `runtimeClassName` is not `ephemera-<level>`.
 *
 * Per-cluster because all three are cluster-scoped: per-environment copies would
 * outlive a namespace the reaper deletes. An EnvNamespace with `isolation` only labels
 * its namespace, and its plan fails while these are missing from the cluster.
 *
 * The kubernetes provider has no typed resource for the admission policy, and its
 * `kubernetes_runtime_class_v1` has no `overhead` or `scheduling`, so all three are
 * `kubernetes_manifest`s (which need the cluster reachable at plan).
 */
export class SandboxRuntimes extends Construct {
  /** RuntimeClass name per level created. */
  readonly runtimeClassNames: Readonly<Partial<Record<SandboxIsolation, string>>>;

  constructor(scope: Construct, id: string, props: SandboxRuntimesProps = {}) {
    super(scope, id);
    const levels = levelsProp(props.levels);
    const names: Partial<Record<SandboxIsolation, string>> = {};
    for (const level of levels) {
      new Manifest(this, `runtime-class-${level}`, { manifest: sandboxRuntimeClass(level) });
      names[level] = runtimeClassName(level);
    }
    this.runtimeClassNames = names;
    const policy = new Manifest(this, "policy", { manifest: sandboxPolicy() });
    new Manifest(this, "policy-binding", { manifest: sandboxPolicyBinding(), dependsOn: [policy] });
  }
}

function levelsProp(levels: readonly SandboxIsolation[] | undefined): readonly SandboxIsolation[] {
  if (levels === undefined) return SANDBOX_LEVELS;
  if (levels.length === 0) throw new InvalidValueError("levels", "[]", "is empty", 'use the levels the sandbox nodes offer, such as ["gvisor"]');
  levels.forEach((level, i) => {
    const parsed = tryParseIsolation(level, { field: `levels[${i}]` });
    if (!parsed.ok) throw parsed.error;
    if (parsed.value === "none") throw new InvalidValueError(`levels[${i}]`, level, "is not a sandbox level", 'use "gvisor" or "kata", such as "gvisor"');
  });
  return [...new Set(levels)];
}
