import type { BudgetsClient } from "@aws-sdk/client-budgets";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { EKSClient } from "@aws-sdk/client-eks";
import type { RDSClient } from "@aws-sdk/client-rds";
import type { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SchedulerClient } from "@aws-sdk/client-scheduler";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { KubeClient } from "../kube/kube-client";

/** Any AWS SDK v3 client class (`IAMClient`, `SQSClient`): the context builds it from its own config. */
export type AwsClientClass<C extends { destroy(): void }> = new (config: never) => C;

/**
 * What every kind adapter is given, and all it may use: the region and account, one SDK
 * v3 client per service, the audit bucket to stay away from, and Kubernetes access per
 * EKS cluster. The reaper's implementation is `AwsKindContext` (reaper/runtime); tests
 * may pass their own. Type-only imports: loading this module loads no AWS SDK.
 */
export interface KindContext {
  readonly region: string;
  /** The audit bucket: never listed, never emptied, never deleted, whatever its tags say. */
  readonly auditBucket: string;
  /** EKS clusters whose namespaces are looked at. */
  readonly kubernetesClusters: readonly string[];
  /** Calls in flight per listing when it fans out (tags per bucket, node groups per cluster). */
  readonly listConcurrency: number;
  /** The IAM path under which environments' roles live; only it is listed. */
  readonly iamPath: string;
  readonly eks: EKSClient;
  readonly rds: RDSClient;
  readonly ec2: EC2Client;
  readonly s3: S3Client;
  readonly budgets: BudgetsClient;
  readonly scheduler: SchedulerClient;
  readonly secretsManager: SecretsManagerClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
  /** The SDK client of any other service, made once per context: `ctx.client(IAMClient)`. */
  client<C extends { destroy(): void }>(Client: AwsClientClass<C>): C;
  /** The account acted in (Budgets and ARNs need it). */
  accountId(): Promise<string>;
  /** Runs `list` with one discovery pass open, within which {@link oncePerDiscovery} reads are shared. */
  discoveryPassOf<T>(list: () => Promise<T>): Promise<T>;
  /** `read()` once per discovery pass under `key`: a read two kinds both need. */
  oncePerDiscovery<T>(key: string, read: () => Promise<T>): Promise<T>;
  /** The Kubernetes client for one EKS cluster. */
  kube(clusterName: string): Promise<KubeClient>;
}
