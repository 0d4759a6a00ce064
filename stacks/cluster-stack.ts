import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "../constructs/core";
import { SandboxRuntimes } from "../constructs/sandbox-runtimes";
import { InvalidValueError, isEksClusterName, type SandboxIsolation } from "../reaper/model";
import { clusterProviders } from "./cluster-providers";
import { stateBackend } from "./state-backend";

/** The stack name the platform team deploys once per cluster: `ephemera-cluster-<clusterName>`. */
export function clusterStackName(clusterName: string): string {
  return `ephemera-cluster-${clusterName}`;
}

export interface ClusterStackProps {
  /** The shared EKS cluster whose environments may be sandboxed. */
  readonly clusterName: string;
  /**
   * AWS region of the cluster.
   * @default - the AWS provider's and the AWS CLI's own (AWS_REGION, then the AWS config)
   */
  readonly region?: string;
  /**
   * The sandbox levels the cluster runs: a RuntimeClass each (the admission policy is
   * created whatever the levels). Offer exactly these, plus "none", in the admission
   * setting EPHEMERA_OFFERED_ISOLATION (docs/isolation.md).
   * @default - gvisor and kata (SandboxRuntimes's default)
   */
  readonly levels?: readonly SandboxIsolation[];
  /**
   * S3 bucket for the stack's remote state, under `ephemera/clusters/<clusterName>/terraform.tfstate`.
   * @default - local state
   */
  readonly stateBucket?: string;
  /**
   * DynamoDB table for state locking.
   * @default - no locking
   */
  readonly stateLockTable?: string;
}

/**
 * The once-per-cluster pieces sandboxed environments rely on: SandboxRuntimes (a
 * RuntimeClass per sandbox level and the admission policy that holds a sandboxed
 * namespace's pods to it). Deploy it before any node group or environment with
 * `isolation` on the cluster: an isolated environment's plan fails until it exists.
 *
 * Its own stack because it needs a Kubernetes provider, which PlatformStack (applied
 * against the AWS emulator in e2e) cannot have, and because it outlives every
 * environment: destroying one can never take the runtimes from the others.
 */
export class ClusterStack extends TerraformStack {
  readonly sandboxRuntimes: SandboxRuntimes;

  constructor(scope: Construct, id: string, props: ClusterStackProps) {
    super(scope, id);
    if (!isEksClusterName(props.clusterName)) {
      throw new InvalidValueError("clusterName", props.clusterName, "is not an EKS cluster name", 'use the cluster\'s name as EKS shows it, such as "previews"');
    }
    stateBackend(this, { bucket: props.stateBucket, key: `ephemera/clusters/${props.clusterName}/terraform.tfstate`, region: props.region, lockTable: props.stateLockTable });
    clusterProviders(this, { clusterName: props.clusterName, region: props.region });
    this.sandboxRuntimes = new SandboxRuntimes(this, "sandbox-runtimes", props.levels === undefined ? {} : { levels: props.levels });
    new TerraformOutput(this, "runtime_class_names", { value: Object.values(this.sandboxRuntimes.runtimeClassNames) });
  }
}
