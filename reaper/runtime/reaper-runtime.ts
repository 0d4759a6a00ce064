import { PricingClient } from "@aws-sdk/client-pricing";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { SNSClient } from "@aws-sdk/client-sns";
import { PriceList, pricingClientRegion } from "../spend/price-list";
import { SpendMeter } from "../spend/spend-meter";
import { S3StateStore } from "../state/s3-state-store";
import type { StateStore } from "../state/state-store";
import { discover } from "../discovery/discover";
import type { EphemeraSettings } from "../config/read-settings";
import { ALL_KIND_ADAPTERS } from "../kinds";
import { type AwsConnection, AwsKindContext, type KindContextOptions } from "./aws-kind-context";
import type { Inventory } from "../contracts/kind-adapter";
import { type Notifier, snsNotifier } from "../action/notifier";
import { onlyEnvironments } from "../discovery/only-environments";
import type { ReaperConfig } from "../config/reaper-config";
import { sdkRetryOptions } from "./retry-strategy";
import { stsCallerAccount } from "./account-guard";

export interface ReaperRuntimeOptions {
  /** @default - the SDK's default credential chain (or the settings' profile) */
  readonly credentials?: AwsConnection["credentials"];
  /** @default - EKS DescribeCluster and an EKS token (see KindContext) */
  readonly kubeClientFactory?: KindContextOptions["kubeClientFactory"];
}

/**
 * What a reaper process builds once from its settings and reuses: the kind context (one
 * SDK client per service), the audit store, the notifier and the account lookup. The
 * Lambda keeps one per cold start; the CLI one per command.
 */
export class ReaperRuntime {
  readonly ctx: AwsKindContext;
  readonly notifier: Notifier;
  /** The caller's account, asked of STS every time: the account guard never trusts a configured id. */
  readonly callerAccount: () => Promise<string>;
  private snsClient?: SNSClient;
  private pricingClient?: PricingClient;
  private prices?: PriceList;

  constructor(
    readonly settings: EphemeraSettings,
    private readonly options: ReaperRuntimeOptions = {},
  ) {
    this.ctx = new AwsKindContext({
      aws: this.connection(),
      auditBucket: settings.reaper.auditBucket,
      kubernetesClusters: settings.clusters,
      iamPath: settings.iamPath,
      ...(options.kubeClientFactory === undefined ? {} : { kubeClientFactory: options.kubeClientFactory }),
      maxAttempts: settings.reaper.awsMaxAttempts,
    });
    const askSts = stsCallerAccount(this.ctx.sts);
    this.callerAccount = async () => {
      const accountId = await askSts();
      this.ctx.rememberAccountId(accountId);
      return accountId;
    };
    this.notifier = snsNotifier(this.sns);
  }

  /** Who is calling (the ARN STS reports), for claim records and the audit trail; `unknown` when STS cannot say. */
  async callerArn(): Promise<string> {
    return this.ctx.sts.send(new GetCallerIdentityCommand({})).then((out) => out.Arn ?? "unknown", () => "unknown");
  }

  get config(): ReaperConfig {
    return this.settings.reaper;
  }

  get sns(): SNSClient {
    this.snsClient ??= new SNSClient({
      region: this.settings.aws.region,
      ...(this.settings.aws.endpoint === undefined ? {} : { endpoint: this.settings.aws.endpoint }),
      ...(this.options.credentials === undefined ? {} : { credentials: this.options.credentials }),
      ...(this.settings.aws.profile === undefined ? {} : { profile: this.settings.aws.profile }),
      ...sdkRetryOptions(this.settings.reaper.awsMaxAttempts),
    });
    return this.snsClient;
  }

  /**
   * On-demand prices, kept for the runtime's life (a Lambda cold start): the Price List API
   * as the settings say, the shipped table behind it.
   */
  get priceList(): PriceList {
    if (this.prices !== undefined) return this.prices;
    const setting = this.settings.priceList;
    const region = pricingClientRegion(this.settings.aws.region);
    if (setting === "off" || region === undefined) return (this.prices = new PriceList(undefined));
    const endpoint = typeof setting === "object" ? setting.endpoint : this.settings.aws.endpoint;
    this.pricingClient = new PricingClient({
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(this.options.credentials === undefined ? {} : { credentials: this.options.credentials }),
      ...(this.settings.aws.profile === undefined ? {} : { profile: this.settings.aws.profile }),
      // Prices are a nicety with a table behind them: a slow or absent API must not hold up a sweep.
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 },
    });
    return (this.prices = new PriceList(this.pricingClient));
  }

  /** The spend meter of a run: prices from {@link priceList}, readings in the audit bucket. */
  spendMeter(clock?: () => Date): SpendMeter {
    return new SpendMeter({ ec2: this.ctx.ec2, prices: this.priceList, store: this.auditStore(clock), ...(clock === undefined ? {} : { clock }) });
  }

  /** The state store: the audit bucket, as the engine reads and writes it; `clock` stamps each object's retention. */
  auditStore(clock?: () => Date): StateStore {
    const { auditBucket, auditRetentionDays, auditLockMode, auditPerObjectRetention } = this.settings.reaper;
    return new S3StateStore(this.ctx.s3, auditBucket, {
      retentionDays: auditRetentionDays,
      lockMode: auditLockMode,
      perObjectRetention: auditPerObjectRetention,
      ...(clock === undefined ? {} : { clock }),
    });
  }

  /** Every kind's listing; only the named environments' resources (and failures that may hide them) when `envs` is given. */
  async discover(envs?: readonly string[]): Promise<Inventory> {
    const inventory = await discover(this.ctx, ALL_KIND_ADAPTERS);
    return envs === undefined ? inventory : onlyEnvironments(inventory, envs);
  }

  /** Closes every client (sockets included). */
  async destroy(): Promise<void> {
    this.snsClient?.destroy();
    this.pricingClient?.destroy();
    await this.ctx.destroy();
  }

  private connection(): AwsConnection {
    const { region, endpoint, profile } = this.settings.aws;
    return {
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
      ...(profile === undefined ? {} : { profile }),
      ...(this.options.credentials === undefined ? {} : { credentials: this.options.credentials }),
    };
  }
}
