import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { EksPodIdentityAssociation } from "@cdktf/provider-aws/lib/eks-pod-identity-association";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { DataKubernetesResource } from "@cdktf/provider-kubernetes/lib/data-kubernetes-resource";
import { LimitRangeV1 } from "@cdktf/provider-kubernetes/lib/limit-range-v1";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { NetworkPolicyV1, NetworkPolicyV1SpecEgress } from "@cdktf/provider-kubernetes/lib/network-policy-v1";
import { ResourceQuotaV1 } from "@cdktf/provider-kubernetes/lib/resource-quota-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import { Fn, Token } from "./core";
import { envNodePlacement, Toleration } from "./env-node-placement";
import { envIdProp, integerProp, requiredStringProp } from "./private/props";
import { SANDBOX_POLICY_NAME } from "./sandbox-runtimes";
import { DecisionTraceGrant, traceAppendPolicy } from "./trace-append-policy";
import {
  InvalidValueError,
  type Isolation,
  ISOLATION_NAMESPACE_LABEL,
  isSandbox,
  parseIsolation,
  RUNTIME_OVERHEAD,
  runtimeClassName,
  type SandboxIsolation,
  workloadRoleName,
} from "../reaper/model";

/** Quota and default limits scale together with one word; `custom` takes explicit values. */
export type NamespaceSize = "small" | "medium" | "large";

/** ResourceQuota `hard` values (Kubernetes quantities), e.g. `{ "requests.cpu": "2" }`. */
export type QuotaValues = Readonly<Record<string, string>>;

/** Where the workload ServiceAccount's IAM role is trusted from. */
export type WorkloadIdentity =
  /**
   * IRSA: the ARN of the cluster's IAM OIDC provider (its issuer is read from the ARN);
   * the trust policy names exactly this namespace and service account.
   */
  | { readonly type: "irsa"; readonly oidcProviderArn: string }
  /** EKS Pod Identity: an association on the cluster; needs the eks-pod-identity-agent add-on. */
  | { readonly type: "pod-identity"; readonly clusterName: string };

/** An extra egress allow: CIDR blocks on one port. */
export interface EgressAllow {
  readonly cidrBlocks: readonly string[];
  readonly port: number;
  /** @default TCP */
  readonly protocol?: "TCP" | "UDP";
}

export interface EnvNamespaceProps {
  /** The environment this namespace belongs to. */
  readonly envId: string;
  /**
   * Namespace name.
   * @default - `env-<envId>`
   */
  readonly namespaceName?: string;
  /**
   * Size class for the ResourceQuota and LimitRange defaults.
   * @default small
   */
  readonly size?: NamespaceSize;
  /**
   * Explicit ResourceQuota values, merged over the size class's.
   * @default - the size class's values
   */
  readonly quota?: QuotaValues;
  /** How the workload ServiceAccount gets AWS credentials. */
  readonly identity: WorkloadIdentity;
  /**
   * Name of the workload ServiceAccount.
   * @default workload
   */
  readonly serviceAccountName?: string;
  /**
   * Egress to the environment's database: its port and the CIDR blocks of the
   * database subnets (NetworkPolicy cannot name a security group).
   * @default - no database egress
   */
  readonly databaseEgress?: EgressAllow;
  /**
   * Further egress allows, e.g. to a package mirror.
   * @default - none beyond same-namespace, DNS and the database
   */
  readonly egressAllows?: readonly EgressAllow[];
  /**
   * Kubernetes group bound to the deployer Role (map your pipeline's IAM role to it
   * with an EKS access entry).
   * @default - `ephemera:<envId>:deployers`
   */
  readonly deployerGroup?: string;
  /**
   * Runs the namespace's pods in a sandbox: "gvisor" (a user-space kernel) or "kata" (a
   * VM per pod). The namespace is labelled `ephemera.dev/isolation=<level>`, which the
   * cluster's SandboxRuntimes admission policy reads: every pod and workload template
   * must set `runtimeClassName: ephemera-<level>` (see `runtimeClassName`). The quota's
   * CPU and memory grow by the RuntimeClass overhead of every pod the quota allows.
   * The plan fails while the cluster lacks SandboxRuntimes.
   * @default none
   */
  readonly isolation?: Isolation;
  /**
   * The audit bucket and its key: the workload role may then append to the environment's own
   * decision trace (`traces/<envId>/`), each batch written once, and do nothing else in the
   * bucket (see `traceAppendPolicy`).
   * @default - no grant: the workload cannot append to a decision trace
   */
  readonly decisionTrace?: DecisionTraceGrant;
}

/**
 * Requests and limits per size class. Load balancers and node ports are zero in
 * every class: they cost money or open the cluster, and previews rarely need them.
 */
const QUOTA_BY_SIZE: Record<NamespaceSize, QuotaValues> = {
  small: quota(2, 4, 20),
  medium: quota(4, 8, 40),
  large: quota(8, 16, 80),
};

function quota(cpu: number, memoryGi: number, pods: number): QuotaValues {
  return {
    "requests.cpu": String(cpu),
    "requests.memory": `${memoryGi}Gi`,
    "limits.cpu": String(cpu * 2),
    "limits.memory": `${memoryGi * 2}Gi`,
    pods: String(pods),
    services: "10",
    "services.loadbalancers": "0",
    "services.nodeports": "0",
    persistentvolumeclaims: "5",
    "requests.storage": `${memoryGi * 5}Gi`,
  };
}

const LIMITS_BY_SIZE: Record<NamespaceSize, { defaultRequest: Record<string, string>; default: Record<string, string>; max: Record<string, string> }> = {
  small: { defaultRequest: { cpu: "100m", memory: "128Mi" }, default: { cpu: "500m", memory: "512Mi" }, max: { cpu: "2", memory: "4Gi" } },
  medium: { defaultRequest: { cpu: "200m", memory: "256Mi" }, default: { cpu: "1", memory: "1Gi" }, max: { cpu: "4", memory: "8Gi" } },
  large: { defaultRequest: { cpu: "500m", memory: "512Mi" }, default: { cpu: "2", memory: "2Gi" }, max: { cpu: "8", memory: "16Gi" } },
};

/**
 * What a pipeline may do inside its namespace, and nothing more: no Roles or
 * RoleBindings (no privilege escalation), no namespace-scoped quota or policy edits,
 * no access outside the namespace.
 */
const DEPLOYER_RULES = [
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "replicasets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["services", "configmaps", "secrets", "persistentvolumeclaims"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
  { apiGroups: [""], resources: ["pods", "pods/log", "events", "serviceaccounts"], verbs: ["get", "list", "watch"] },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
];

/**
 * One environment's namespace on a shared EKS cluster: Pod Security `restricted`,
 * quota and default limits, default-deny networking with narrow allows, a workload
 * ServiceAccount with its own IAM role, and a least-privilege deployer Role.
 *
 * Workloads must use `nodeSelector` and `tolerations` to land on the environment's
 * spot nodes (see SpotNodeGroup). The `ephemera.dev/*` labels and annotations come
 * from `tagEnvironment`, like the AWS tags.
 */
export class EnvNamespace extends Construct {
  /** The namespace's name, for workloads and pipelines. */
  readonly namespaceName: string;
  readonly serviceAccountName: string;
  /** The IAM role the workload ServiceAccount assumes; attach policies to it. */
  readonly workloadRole: IamRole;
  /** Pod `nodeSelector` that puts workloads on this environment's spot nodes. */
  readonly nodeSelector: Readonly<Record<string, string>>;
  /** Pod `tolerations` for the environment's NoSchedule taint. */
  readonly tolerations: readonly Toleration[];
  readonly deployerGroup: string;
  readonly isolation: Isolation;
  /** The RuntimeClass every pod must name, with a sandbox `isolation`. */
  readonly runtimeClassName?: string;
  /** The workload role's inline policy that appends to its decision trace, when `decisionTrace` was given. */
  readonly traceAppendPolicy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: EnvNamespaceProps) {
    super(scope, id);
    const envId = envIdProp(props.envId);
    const size = sizeProp(props.size);
    this.isolation = parseIsolation(props.isolation, { field: "isolation" });
    const sandbox = isSandbox(this.isolation) ? this.isolation : undefined;
    if (sandbox) this.runtimeClassName = runtimeClassName(sandbox);
    this.namespaceName = props.namespaceName ?? `env-${envId}`;
    this.serviceAccountName = requiredStringProp("serviceAccountName", props.serviceAccountName ?? "workload", "workload");
    this.deployerGroup = props.deployerGroup ?? `ephemera:${envId}:deployers`;
    ({ nodeSelector: this.nodeSelector, tolerations: this.tolerations } = envNodePlacement(envId));
    for (const [field, allow] of [["databaseEgress", props.databaseEgress], ...(props.egressAllows ?? []).map((a, i) => [`egressAllows[${i}]`, a])] as const) {
      if (allow) checkEgress(field as string, allow as EgressAllow);
    }
    const tracePolicy = props.decisionTrace === undefined ? undefined : traceAppendPolicy(envId, props.decisionTrace);

    const namespace = new NamespaceV1(this, "namespace", {
      metadata: {
        name: this.namespaceName,
        labels: {
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
          "pod-security.kubernetes.io/warn": "restricted",
          "pod-security.kubernetes.io/audit": "restricted",
          ...(sandbox ? { [ISOLATION_NAMESPACE_LABEL]: sandbox } : {}),
        },
      },
    });
    const ns = namespace.metadata.name;

    new ResourceQuotaV1(this, "quota", {
      metadata: { name: "ephemera-quota", namespace: ns },
      spec: { hard: quotaWithOverhead(size, props.quota, sandbox) },
    });
    if (sandbox) this.requireSandboxRuntimes(sandbox);
    const limits = LIMITS_BY_SIZE[size];
    new LimitRangeV1(this, "limits", {
      metadata: { name: "ephemera-limits", namespace: ns },
      spec: { limit: [{ type: "Container", defaultRequest: limits.defaultRequest, default: limits.default, max: limits.max }] },
    });

    this.networkPolicies(ns, props);
    this.workloadRole = this.workloadIdentity(envId, ns, props.identity);
    if (tracePolicy !== undefined) {
      this.traceAppendPolicy = new IamRolePolicy(this, "workload-trace-append", { role: this.workloadRole.name, name: "ephemera-trace-append", policy: tracePolicy });
    }

    const role = new RoleV1(this, "deployer-role", {
      metadata: { name: "ephemera-deployer", namespace: ns },
      rule: DEPLOYER_RULES,
    });
    new RoleBindingV1(this, "deployer-binding", {
      metadata: { name: "ephemera-deployer", namespace: ns },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
      subject: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: this.deployerGroup }],
    });
  }

  /**
   * The isolation label is enforced by objects this namespace does not own: without them
   * pods would run unsandboxed, so the plan reads them and fails with the fix.
   */
  private requireSandboxRuntimes(level: SandboxIsolation): void {
    const required = [
      { id: "runtime-class", apiVersion: "node.k8s.io/v1", kind: "RuntimeClass", name: runtimeClassName(level) },
      { id: "policy", apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicy", name: SANDBOX_POLICY_NAME },
      { id: "policy-binding", apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", name: SANDBOX_POLICY_NAME },
    ];
    for (const object of required) {
      new DataKubernetesResource(this, `sandbox-${object.id}`, {
        apiVersion: object.apiVersion,
        kind: object.kind,
        metadata: { name: object.name },
        lifecycle: {
          postcondition: [
            {
              // The provider reads a missing object as null rather than failing.
              condition: `\${try(self.object.metadata.name, "") == "${object.name}"}`,
              errorMessage: `isolation "${level}" needs the ${object.kind} ${object.name} on the cluster; create the cluster's SandboxRuntimes (one per cluster) before this namespace`,
            },
          ],
        },
      });
    }
  }

  private networkPolicies(ns: string, props: EnvNamespaceProps): void {
    const all = { podSelector: {} };
    new NetworkPolicyV1(this, "default-deny", {
      metadata: { name: "default-deny-all", namespace: ns },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    });
    new NetworkPolicyV1(this, "allow-same-namespace", {
      metadata: { name: "allow-same-namespace", namespace: ns },
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{ from: [all] }], egress: [{ to: [all] }] },
    });
    new NetworkPolicyV1(this, "allow-dns", {
      metadata: { name: "allow-dns", namespace: ns },
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
              },
            ],
            ports: [{ port: "53", protocol: "UDP" }, { port: "53", protocol: "TCP" }],
          },
        ],
      },
    });
    const allows = [...(props.databaseEgress ? [props.databaseEgress] : []), ...(props.egressAllows ?? [])];
    if (allows.length > 0) {
      new NetworkPolicyV1(this, "allow-egress", {
        metadata: { name: "allow-listed-egress", namespace: ns },
        spec: { podSelector: {}, policyTypes: ["Egress"], egress: allows.map(egressRule) },
      });
    }
  }

  private workloadIdentity(envId: string, ns: string, identity: WorkloadIdentity): IamRole {
    let trust: DataAwsIamPolicyDocument;
    if (identity.type === "irsa") {
      requiredStringProp("identity.oidcProviderArn", identity.oidcProviderArn, "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC");
      // arn:aws:iam::<account>:oidc-provider/<issuer host and path>, the form IAM condition keys use.
      const issuer = Fn.element(Fn.split("oidc-provider/", identity.oidcProviderArn), 1);
      trust = new DataAwsIamPolicyDocument(this, "workload-trust", {
        statement: [
          {
            effect: "Allow",
            actions: ["sts:AssumeRoleWithWebIdentity"],
            principals: [{ type: "Federated", identifiers: [identity.oidcProviderArn] }],
            condition: [
              // Exactly this namespace and service account: no wildcard, so no other pod can assume it.
              { test: "StringEquals", variable: `${issuer}:sub`, values: [`system:serviceaccount:${this.namespaceName}:${this.serviceAccountName}`] },
              { test: "StringEquals", variable: `${issuer}:aud`, values: ["sts.amazonaws.com"] },
            ],
          },
        ],
      });
    } else if (identity.type === "pod-identity") {
      requiredStringProp("identity.clusterName", identity.clusterName, "shared-previews");
      trust = new DataAwsIamPolicyDocument(this, "workload-trust", {
        statement: [
          {
            effect: "Allow",
            actions: ["sts:AssumeRole", "sts:TagSession"],
            principals: [{ type: "Service", identifiers: ["pods.eks.amazonaws.com"] }],
          },
        ],
      });
    } else {
      throw new InvalidValueError("identity.type", String((identity as { type?: unknown }).type), "is not a known identity type", 'use { type: "irsa", ... } or { type: "pod-identity", ... }');
    }

    const role = new IamRole(this, "workload-role", {
      name: workloadRoleName(envId),
      assumeRolePolicy: trust.json,
      description: `Workload role of Ephemera environment ${envId}`,
    });
    const annotations = identity.type === "irsa" ? { "eks.amazonaws.com/role-arn": role.arn } : undefined;
    new ServiceAccountV1(this, "workload-sa", {
      metadata: { name: this.serviceAccountName, namespace: ns, annotations },
      automountServiceAccountToken: true,
    });
    if (identity.type === "pod-identity") {
      new EksPodIdentityAssociation(this, "workload-pod-identity", {
        clusterName: identity.clusterName,
        namespace: this.namespaceName,
        serviceAccount: this.serviceAccountName,
        roleArn: role.arn,
      });
    }
    return role;
  }
}

function sizeProp(size: NamespaceSize | undefined): NamespaceSize {
  if (size === undefined) return "small";
  if (!(size in QUOTA_BY_SIZE)) {
    throw new InvalidValueError("size", String(size), "is not a size class", 'use "small", "medium" or "large" (and `quota` for explicit values)');
  }
  return size;
}

/**
 * Kubernetes adds a RuntimeClass's overhead to each pod's requests and limits when it
 * charges the quota, so a sandbox namespace gets the overhead of every pod it may run
 * on top of its size class's CPU and memory: the same room for containers, and a quota
 * that still shows the real cost. Explicit `quota` values are taken as they are.
 */
function quotaWithOverhead(size: NamespaceSize, explicit: QuotaValues | undefined, sandbox: SandboxIsolation | undefined): QuotaValues {
  const base = QUOTA_BY_SIZE[size];
  if (!sandbox) return { ...base, ...(explicit ?? {}) };
  const pods = Number(explicit?.pods ?? base.pods);
  const podCount = Number.isInteger(pods) && pods >= 0 ? pods : Number(base.pods);
  const overhead = RUNTIME_OVERHEAD[sandbox];
  const cpu = (value: string) => whole(millicores(value) + podCount * millicores(overhead.cpu), 1000, "", "m");
  const memory = (value: string) => whole(mebibytes(value) + podCount * mebibytes(overhead.memory), 1024, "Gi", "Mi");
  const withOverhead = {
    ...base,
    "requests.cpu": cpu(base["requests.cpu"]!),
    "limits.cpu": cpu(base["limits.cpu"]!),
    "requests.memory": memory(base["requests.memory"]!),
    "limits.memory": memory(base["limits.memory"]!),
  };
  return { ...withOverhead, ...(explicit ?? {}) };
}

/** A quantity in the larger unit when it is a whole number of them ("7", "5Gi"), else in the smaller ("7250m"). */
function whole(amount: number, per: number, largeUnit: string, smallUnit: string): string {
  return amount % per === 0 ? `${amount / per}${largeUnit}` : `${amount}${smallUnit}`;
}

/** "2" or "250m" in millicores; only the forms the size classes and overheads use. */
function millicores(quantity: string): number {
  return quantity.endsWith("m") ? Number(quantity.slice(0, -1)) : Number(quantity) * 1000;
}

/** "4Gi" or "160Mi" in MiB; only the forms the size classes and overheads use. */
function mebibytes(quantity: string): number {
  return quantity.endsWith("Gi") ? Number(quantity.slice(0, -2)) * 1024 : Number(quantity.replace(/Mi$/, ""));
}

function checkEgress(field: string, allow: EgressAllow): void {
  integerProp(`${field}.port`, allow.port, 0, 1, 65535, 5432);
  if (!Token.isUnresolved(allow.cidrBlocks) && allow.cidrBlocks.length === 0) {
    throw new InvalidValueError(`${field}.cidrBlocks`, "[]", "is empty", 'pass the CIDR blocks to allow, such as ["10.0.16.0/20"]');
  }
}

function egressRule(allow: EgressAllow): NetworkPolicyV1SpecEgress {
  return {
    to: allow.cidrBlocks.map((cidr) => ({ ipBlock: { cidr } })),
    ports: [{ port: String(allow.port), protocol: allow.protocol ?? "TCP" }],
  };
}
