import { BudgetsClient } from "@aws-sdk/client-budgets";
import { EC2Client } from "@aws-sdk/client-ec2";
import { DescribeClusterCommand, EKSClient } from "@aws-sdk/client-eks";
import { RDSClient } from "@aws-sdk/client-rds";
import { ResourceGroupsTaggingAPIClient } from "@aws-sdk/client-resource-groups-tagging-api";
import { S3Client } from "@aws-sdk/client-s3";
import { SchedulerClient } from "@aws-sdk/client-scheduler";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { STSClient } from "@aws-sdk/client-sts";
import { createEksToken, type SigningCredentials } from "../kube/eks-token";
import { KubeClient } from "../kube/kube-client";
import type { AwsClientClass, KindContext } from "../contracts/kind-context";
import { IAM_PATH } from "../model";
import { stsCallerAccount } from "./account-guard";
import { DEFAULT_REAPER_CONFIG } from "../config/reaper-config";
import { sdkRetryOptions } from "./retry-strategy";

/** Where and as whom the AWS clients connect; every field falls back to the environment. */
export interface AwsConnection {
  /** @default - AWS_REGION, else AWS_DEFAULT_REGION */
  readonly region?: string;
  /** One endpoint for every service (a local emulator). @default - AWS_ENDPOINT_URL, else each service's own */
  readonly endpoint?: string;
  /** @default - the SDK's default credential chain */
  readonly credentials?: SigningCredentials | (() => Promise<SigningCredentials>);
  /** S3 path-style addressing. @default true when an endpoint is set (emulators need it), else false */
  readonly forcePathStyle?: boolean;
  /** Named profile of the shared config/credentials files. @default - AWS_PROFILE, else the default chain */
  readonly profile?: string;
}

export interface KindContextOptions {
  readonly aws?: AwsConnection;
  /** The account acted in; Budgets needs it. @default - asked of STS GetCallerIdentity once, when first needed */
  readonly accountId?: string;
  /** The audit bucket: never listed, never emptied, never deleted, whatever its tags say. */
  readonly auditBucket: string;
  /** EKS clusters whose namespaces are looked at. @default - none: no Kubernetes namespaces are listed */
  readonly kubernetesClusters?: readonly string[];
  /**
   * Builds the Kubernetes client for a cluster.
   * @default - the endpoint and CA from EKS DescribeCluster, with an EKS bearer token
   */
  readonly kubeClientFactory?: (clusterName: string, ctx: AwsKindContext) => Promise<KubeClient> | KubeClient;
  /** Attempts per AWS call, with adaptive (client-side rate-limited) retries. @default DEFAULT_REAPER_CONFIG.awsMaxAttempts (8) */
  readonly maxAttempts?: number;
  /** Calls in flight per listing when it fans out (tags per bucket, node groups per cluster). @default 5 */
  readonly listConcurrency?: number;
  /** The IAM path under which environments' roles live; only it is listed. @default IAM_PATH (`/ephemera/`) */
  readonly iamPath?: string;
}

/** What every SDK client of a context is built from. */
type ClientConfig = AwsKindContext["base"] & ReturnType<typeof sdkRetryOptions>;

/** How long one EKS token is reused; EKS accepts it for 15 minutes. */
const TOKEN_REUSE_MS = 5 * 60_000;

/**
 * What every kind adapter is given: the region, the account, one lazily created SDK
 * v3 client per service (all built from one base config, with adaptive retries for
 * throttling), the audit bucket to stay away from, and Kubernetes access per EKS cluster.
 */
export class AwsKindContext implements KindContext {
  readonly region: string;
  readonly auditBucket: string;
  readonly kubernetesClusters: readonly string[];
  readonly listConcurrency: number;
  readonly iamPath: string;
  private readonly base: {
    region: string;
    endpoint?: string;
    credentials?: SigningCredentials | (() => Promise<SigningCredentials>);
    profile?: string;
  };
  private readonly maxAttempts: number;
  private readonly forcePathStyle: boolean;
  private readonly clients = new Map<unknown, { destroy(): void }>();
  private discoveryPass?: Map<string, Promise<unknown>>;
  private readonly kubeClients = new Map<string, Promise<KubeClient>>();
  private accountIdPromise?: Promise<string>;

  constructor(private readonly options: KindContextOptions) {
    const env = process.env;
    const region = options.aws?.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (region === undefined || region === "") {
      throw new Error("AwsKindContext needs a region: pass aws.region or set AWS_REGION");
    }
    const endpoint = options.aws?.endpoint ?? (env.AWS_ENDPOINT_URL || undefined);
    this.region = region;
    this.auditBucket = options.auditBucket;
    this.kubernetesClusters = options.kubernetesClusters ?? [];
    this.listConcurrency = options.listConcurrency ?? 5;
    this.iamPath = options.iamPath ?? IAM_PATH;
    this.forcePathStyle = options.aws?.forcePathStyle ?? endpoint !== undefined;
    this.base = {
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(options.aws?.credentials === undefined ? {} : { credentials: options.aws.credentials }),
      ...(options.aws?.profile === undefined ? {} : { profile: options.aws.profile }),
    };
    this.maxAttempts = options.maxAttempts ?? DEFAULT_REAPER_CONFIG.awsMaxAttempts;
    if (options.accountId !== undefined) this.accountIdPromise = Promise.resolve(options.accountId);
  }

  /**
   * The SDK v3 client of any other service, made once from the same base config
   * (region, endpoint, credentials, adaptive retries): `ctx.client(IAMClient)`. A new
   * kind's adapter uses this; nothing here changes for it.
   */
  client<C extends { destroy(): void }>(Client: AwsClientClass<C>): C {
    const Make = Client as unknown as new (config: ClientConfig) => C;
    return this.cached(Client, () => new Make(this.clientConfig()));
  }

  get eks(): EKSClient {
    return this.cached("eks", () => new EKSClient(this.clientConfig()));
  }
  get rds(): RDSClient {
    return this.cached("rds", () => new RDSClient(this.clientConfig()));
  }
  get ec2(): EC2Client {
    return this.cached("ec2", () => new EC2Client(this.clientConfig()));
  }
  get s3(): S3Client {
    return this.cached("s3", () => new S3Client({ ...this.clientConfig(), forcePathStyle: this.forcePathStyle }));
  }
  get budgets(): BudgetsClient {
    return this.cached("budgets", () => new BudgetsClient(this.clientConfig()));
  }
  get scheduler(): SchedulerClient {
    return this.cached("scheduler", () => new SchedulerClient(this.clientConfig()));
  }
  get secretsManager(): SecretsManagerClient {
    return this.cached("secretsManager", () => new SecretsManagerClient(this.clientConfig()));
  }
  get tagging(): ResourceGroupsTaggingAPIClient {
    return this.cached("tagging", () => new ResourceGroupsTaggingAPIClient(this.clientConfig()));
  }
  get sts(): STSClient {
    return this.cached("sts", () => new STSClient(this.clientConfig()));
  }

  /**
   * The account id: as configured, else as the account guard last established it
   * ({@link rememberAccountId}), else from STS once (a failed lookup is retried next time).
   */
  accountId(): Promise<string> {
    if (this.accountIdPromise === undefined) {
      const lookup = stsCallerAccount(this.sts)();
      this.accountIdPromise = lookup;
      lookup.catch(() => {
        if (this.accountIdPromise === lookup) this.accountIdPromise = undefined;
      });
    }
    return this.accountIdPromise;
  }

  /**
   * Runs `list` with one discovery pass open: within it, {@link oncePerDiscovery} reads
   * are made once and shared by every adapter (two kinds from one listing). Outside a
   * pass nothing is shared, so no adapter ever sees an earlier pass's answer.
   */
  async discoveryPassOf<T>(list: () => Promise<T>): Promise<T> {
    const pass = new Map<string, Promise<unknown>>();
    this.discoveryPass = pass;
    try {
      return await list();
    } finally {
      if (this.discoveryPass === pass) this.discoveryPass = undefined;
    }
  }

  /** `read()` once per discovery pass under `key` (each call outside a pass reads afresh). */
  oncePerDiscovery<T>(key: string, read: () => Promise<T>): Promise<T> {
    const pass = this.discoveryPass;
    if (pass === undefined) return read();
    let shared = pass.get(key) as Promise<T> | undefined;
    if (shared === undefined) {
      shared = read();
      pass.set(key, shared);
    }
    return shared;
  }

  /** The account the caller's credentials belong to, as STS just said: later lookups need no call of their own. */
  rememberAccountId(accountId: string): void {
    this.accountIdPromise = Promise.resolve(accountId);
  }

  /** The Kubernetes client for one EKS cluster, built once (a failed build is retried next time). */
  kube(clusterName: string): Promise<KubeClient> {
    let client = this.kubeClients.get(clusterName);
    if (client === undefined) {
      const factory = this.options.kubeClientFactory;
      client = Promise.resolve(factory ? factory(clusterName, this) : this.eksKubeClient(clusterName));
      this.kubeClients.set(clusterName, client);
      client.catch(() => this.kubeClients.delete(clusterName));
    }
    return client;
  }

  /**
   * A bearer-token source for one EKS cluster, signed with this context's credentials;
   * a token is reused for a few minutes, well inside the 15 minutes EKS accepts it.
   */
  eksTokenProvider(clusterName: string): () => Promise<string> {
    let cached: { token: string; at: number } | undefined;
    return async () => {
      const now = Date.now();
      if (cached === undefined || now - cached.at > TOKEN_REUSE_MS) {
        const token = await createEksToken({ clusterName, region: this.region, credentials: this.signingCredentials() });
        cached = { token, at: now };
      }
      return cached.token;
    };
  }

  /** Closes every client this context made (sockets included); the context is not used afterwards. */
  async destroy(): Promise<void> {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
    const kubes = [...this.kubeClients.values()];
    this.kubeClients.clear();
    for (const settled of await Promise.allSettled(kubes)) {
      if (settled.status === "fulfilled") settled.value.close();
    }
  }

  private cached<T extends { destroy(): void }>(key: unknown, create: () => T): T {
    let client = this.clients.get(key) as T | undefined;
    if (client === undefined) {
      client = create();
      this.clients.set(key, client);
    }
    return client;
  }

  /** The base config with a retry strategy of the client's own (its rate limiter is per client, as in the SDK). */
  private clientConfig(): ClientConfig {
    return { ...this.base, ...sdkRetryOptions(this.maxAttempts) };
  }

  private signingCredentials(): SigningCredentials | (() => Promise<SigningCredentials>) {
    return this.base.credentials ?? (() => this.sts.config.credentials());
  }

  private async eksKubeClient(clusterName: string): Promise<KubeClient> {
    const { cluster } = await this.eks.send(new DescribeClusterCommand({ name: clusterName }));
    const endpoint = cluster?.endpoint;
    const caData = cluster?.certificateAuthority?.data;
    if (endpoint === undefined || caData === undefined) {
      throw new Error(`EKS cluster ${clusterName} has no API endpoint or certificate authority yet`);
    }
    return new KubeClient({
      server: endpoint,
      caPem: Buffer.from(caData, "base64").toString("utf8"),
      token: this.eksTokenProvider(clusterName),
    });
  }
}
