import { isAccountId, isEksClusterName, isIamPath, isRegion, isS3BucketName, isSnsTopicArn, MAX_MAX_TTL, parseDuration, SETTING_DEFAULTS, SETTINGS, type SettingName, tryParseDuration, tryParseUsd } from "../model";
import { quote } from "../model/invalid-value-error";
import { type ReaperConfig, reaperConfig } from "./reaper-config";
import { type DatabasePoolSettings, parseDatabasePool } from "../pool/pool-settings";

/**
 * Everything the Lambda and the CLI read from their environment: the reaper's config,
 * where to connect, and the few settings that are not the engine's.
 */
export interface EphemeraSettings {
  readonly reaper: ReaperConfig;
  /** Discover, decide and print; execute nothing, write nothing. */
  readonly dryRun: boolean;
  /** EKS clusters whose namespaces are environments' namespaces. */
  readonly clusters: readonly string[];
  /** Schedule group searched for an environment's one-shot `ephemera-expiry-<env>` schedule. */
  readonly expiryScheduleGroup: string;
  /** The IAM path under which environments' roles are listed. */
  readonly iamPath: string;
  readonly aws: { readonly region: string; readonly profile?: string; readonly endpoint?: string };
  /**
   * Where the spend meter gets on-demand prices: `aws` (the AWS Price List API, through the
   * configured endpoint if there is one, else the shipped table), `off` (the shipped table
   * only), or an http(s) endpoint of the Price List API.
   */
  readonly priceList: "aws" | "off" | { readonly endpoint: string };
  /** The warm database pool, when there is one. */
  readonly pool?: DatabasePoolSettings;
  /** What `ephemera admit` enforces, and when the spend meter pauses provisioning. */
  readonly admission: AdmissionLimits;
}

/** The caps on how many environments exist (reaper/admission). */
export interface AdmissionLimits {
  /** Most live environments in the account. */
  readonly maxEnvironments: number;
  /** Most live environments per owner. */
  readonly maxEnvironmentsPerOwner: number;
  /** The largest budget one environment may ask for, in USD. */
  readonly maxBudgetUsd: number;
  /** How long an admission counts before the environment's resources exist. */
  readonly holdMs: number;
  /** The spend meter pauses provisioning when the live environments' estimates reach this; undefined: only the platform budget's alert does. */
  readonly platformBudgetUsd?: number;
}


/** Values given on the command line, which win over the environment. */
export type SettingOverrides = { readonly [K in SettingName]?: K extends "dryRun" ? boolean : string };

/** A setting is missing or malformed; the message names the variable (or flag) and how to fix it. */
export class SettingsError extends Error {
  override readonly name = "SettingsError";
}

/**
 * Reads the settings from environment variables (`EPHEMERA_*`, `AWS_REGION`,
 * `AWS_PROFILE`, `AWS_ENDPOINT_URL`), with command-line overrides winning. Throws a
 * {@link SettingsError} naming the variable or flag that is wrong, and the fix.
 */
export function readSettings(env: Readonly<Record<string, string | undefined>>, overrides: SettingOverrides = {}): EphemeraSettings {
  /** The text of a setting and where it came from (a flag wins, then the variable; empty counts as unset). */
  const source = (name: Exclude<SettingName, "dryRun">): { text: string; from: string } | undefined => {
    const flag = overrides[name];
    if (flag !== undefined) return { text: flag, from: SETTINGS[name].flag };
    const value = env[SETTINGS[name].env];
    return value === undefined || value.trim() === "" ? undefined : { text: value, from: SETTINGS[name].env };
  };
  const problem = (from: string, text: string, what: string, fix: string) => new SettingsError(`${from} ${quote(text)} ${what}; ${fix}`);

  const bucket = source("auditBucket");
  if (bucket === undefined) {
    throw new SettingsError(
      `${SETTINGS.auditBucket.env} is not set; set it to the audit bucket's name (e.g. ${SETTINGS.auditBucket.env}=acme-ephemera-audit) or pass ${SETTINGS.auditBucket.flag} <name>`,
    );
  }
  const auditBucket = bucket.text.trim();
  if (!isS3BucketName(auditBucket)) {
    throw problem(bucket.from, bucket.text, "is not an S3 bucket name", `use the bucket's name only, such as "acme-ephemera-audit"`);
  }

  const accounts = source("allowedAccounts");
  const allowedAccounts = list(accounts?.text);
  for (const account of allowedAccounts) {
    if (!isAccountId(account)) {
      throw problem(accounts!.from, account, "is not a 12-digit AWS account id", `list account ids separated by commas, such as "123456789012,210987654321"`);
    }
  }

  const duration = (name: "warningWindow" | "maxTtl", fallback: number, max: number): number => {
    const given = source(name);
    if (given === undefined) return fallback;
    if (name === "warningWindow" && given.text.trim() === "0") return 0;
    const parsed = tryParseDuration(given.text.trim(), { field: given.from, max });
    if (!parsed.ok) throw new SettingsError(parsed.error.message);
    return parsed.value;
  };
  const maxTtlMs = duration("maxTtl", parseDuration(SETTING_DEFAULTS.maxTtl), MAX_MAX_TTL);
  const warningWindowMs = duration("warningWindow", parseDuration(SETTING_DEFAULTS.warningWindow), maxTtlMs);

  const cap = source("maxEnvsPerRun");
  let maxEnvironmentsPerRun: number = SETTING_DEFAULTS.maxEnvsPerRun;
  if (cap !== undefined) {
    const text = cap.text.trim();
    if (!/^\d{1,6}$/.test(text)) throw problem(cap.from, cap.text, "is not a whole number", `use a count such as "10" (0 deletes and pauses nothing)`);
    maxEnvironmentsPerRun = Number(text);
  }

  const margin = source("deadlineMarginSeconds");
  let deadlineMarginSeconds: number = SETTING_DEFAULTS.deadlineMarginSeconds;
  if (margin !== undefined) {
    const text = margin.text.trim();
    if (!/^\d{1,3}$/.test(text) || Number(text) > 900) {
      throw problem(margin.from, margin.text, "is not a whole number of seconds from 0 to 900", `use seconds such as "60" (less than the function's timeout)`);
    }
    deadlineMarginSeconds = Number(text);
  }

  const leaseSource = source("leaseSeconds");
  let leaseSeconds: number = SETTING_DEFAULTS.leaseSeconds;
  if (leaseSource !== undefined) {
    const text = leaseSource.text.trim();
    if (!/^\d{1,5}$/.test(text) || Number(text) < 10 || Number(text) > 86_400) {
      throw problem(leaseSource.from, leaseSource.text, "is not a whole number of seconds from 10 to 86400", `use the sweep interval in seconds, such as "300"`);
    }
    leaseSeconds = Number(text);
  }

  const skewSource = source("maxClockSkewSeconds");
  let maxClockSkewSeconds: number = SETTING_DEFAULTS.maxClockSkewSeconds;
  if (skewSource !== undefined) {
    const text = skewSource.text.trim();
    if (!/^\d{1,4}$/.test(text) || Number(text) < 1 || Number(text) > 3600) {
      throw problem(skewSource.from, skewSource.text, "is not a whole number of seconds from 1 to 3600", `use seconds such as "30"`);
    }
    maxClockSkewSeconds = Number(text);
  }

  let dryRun: boolean = SETTING_DEFAULTS.dryRun;
  if (overrides.dryRun !== undefined) {
    dryRun = overrides.dryRun;
  } else {
    const text = env[SETTINGS.dryRun.env];
    if (text !== undefined && text.trim() !== "") {
      const word = text.trim().toLowerCase();
      if (word !== "true" && word !== "false") {
        throw problem(SETTINGS.dryRun.env, text, "is not true or false", `set ${SETTINGS.dryRun.env}=true to change nothing, or ${SETTINGS.dryRun.env}=false`);
      }
      dryRun = word === "true";
    }
  }

  const clusterSource = source("clusters");
  const clusters = list(clusterSource?.text);
  for (const cluster of clusters) {
    if (!isEksClusterName(cluster)) {
      throw problem(clusterSource!.from, cluster, "is not an EKS cluster name", `list cluster names separated by commas, such as "shared,shared-eu"`);
    }
  }

  const topic = source("notificationTopicArn");
  if (topic !== undefined && !isSnsTopicArn(topic.text.trim())) {
    throw problem(topic.from, topic.text, "is not an SNS topic ARN", `use one such as "arn:aws:sns:us-east-1:123456789012:ephemera-owners"`);
  }

  const group = source("expiryScheduleGroup");
  const expiryScheduleGroup = group?.text.trim() ?? SETTING_DEFAULTS.expiryScheduleGroup;
  if (!/^[0-9a-zA-Z._-]{1,64}$/.test(expiryScheduleGroup)) {
    throw problem(group!.from, group!.text, "is not a schedule group name", `use letters, digits, '.', '_' and '-', such as "default"`);
  }

  const iamPathSource = source("iamPath");
  const iamPath = iamPathSource?.text.trim() ?? SETTING_DEFAULTS.iamPath;
  if (!isIamPath(iamPath)) {
    throw problem(iamPathSource!.from, iamPathSource!.text, "is not an IAM path", `use a path that starts and ends with "/", such as "/ephemera/"`);
  }

  const regionSource = source("region") ?? (env.AWS_DEFAULT_REGION?.trim() ? { text: env.AWS_DEFAULT_REGION, from: "AWS_DEFAULT_REGION" } : undefined);
  if (regionSource === undefined) {
    throw new SettingsError(`${SETTINGS.region.env} is not set; set it to the environments' region (e.g. ${SETTINGS.region.env}=us-east-1) or pass ${SETTINGS.region.flag} <region>`);
  }
  const region = regionSource.text.trim();
  if (!isRegion(region)) {
    throw problem(regionSource.from, regionSource.text, "is not an AWS region", `use a region code such as "us-east-1"`);
  }
  const profile = source("profile")?.text.trim();
  const httpUrl = (setting: { text: string; from: string }, fix: string): string => {
    const text = setting.text.trim();
    let url: URL | undefined;
    try {
      url = new URL(text);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) throw problem(setting.from, setting.text, "is not an http(s) URL", fix);
    return text;
  };
  const endpointSource = source("endpoint");
  const endpoint = endpointSource === undefined ? undefined : httpUrl(endpointSource, `use one such as "http://127.0.0.1:5000", or leave it unset for AWS itself`);
  const priceListSource = source("priceList");
  const priceListWord = priceListSource?.text.trim().toLowerCase() ?? SETTING_DEFAULTS.priceList;
  const priceList: EphemeraSettings["priceList"] =
    priceListWord === "aws" || priceListWord === "off"
      ? priceListWord
      : { endpoint: httpUrl(priceListSource!, `use "aws" (the default), "off" for the table shipped with the package, or an endpoint such as "https://api.pricing.us-east-1.amazonaws.com"`) };

  const poolSource = source("databasePool");
  let pool: DatabasePoolSettings | undefined;
  if (poolSource !== undefined) {
    try {
      pool = parseDatabasePool(poolSource.text, poolSource.from);
    } catch (err) {
      throw new SettingsError(err instanceof Error ? err.message : String(err));
    }
  }

  const count = (name: "maxEnvironments" | "maxEnvironmentsPerOwner", fallback: number): number => {
    const given = source(name);
    if (given === undefined) return fallback;
    const text = given.text.trim();
    if (!/^\d{1,6}$/.test(text) || Number(text) < 1) throw problem(given.from, given.text, "is not a whole number of at least 1", `use a count such as "${fallback}"`);
    return Number(text);
  };
  const usd = (name: "maxBudgetUsd" | "platformBudgetUsd", example: string): number | undefined => {
    const given = source(name);
    if (given === undefined) return undefined;
    const parsed = tryParseUsd(given.text, { field: given.from, example: `"${example}"` });
    if (!parsed.ok) throw new SettingsError(parsed.error.message);
    return parsed.value;
  };
  const hold = source("admissionHold");
  let holdMs = parseDuration(SETTING_DEFAULTS.admissionHold);
  if (hold !== undefined) {
    const parsed = tryParseDuration(hold.text.trim(), { field: hold.from, max: parseDuration("1d") });
    if (!parsed.ok) throw new SettingsError(parsed.error.message);
    holdMs = parsed.value;
  }
  const platformBudgetUsd = usd("platformBudgetUsd", "2000");
  const admission: AdmissionLimits = {
    maxEnvironments: count("maxEnvironments", SETTING_DEFAULTS.maxEnvironments),
    maxEnvironmentsPerOwner: count("maxEnvironmentsPerOwner", SETTING_DEFAULTS.maxEnvironmentsPerOwner),
    maxBudgetUsd: usd("maxBudgetUsd", "100") ?? SETTING_DEFAULTS.maxBudgetUsd,
    holdMs,
    ...(platformBudgetUsd === undefined ? {} : { platformBudgetUsd }),
  };

  let reaper: ReaperConfig;
  try {
    reaper = reaperConfig({
      auditBucket,
      allowedAccounts,
      warningWindowMs,
      maxEnvironmentsPerRun,
      maxTtlMs,
      deadlineMarginMs: deadlineMarginSeconds * 1000,
      leaseMs: leaseSeconds * 1000,
      maxClockSkewMs: maxClockSkewSeconds * 1000,
      ...(topic === undefined ? {} : { notificationTopicArn: topic.text.trim() }),
    });
  } catch (err) {
    // Every field was checked above; this is a guard against the two drifting apart.
    throw new SettingsError(err instanceof Error ? err.message : String(err));
  }

  return {
    reaper,
    dryRun,
    clusters,
    expiryScheduleGroup,
    iamPath,
    aws: { region, ...(profile ? { profile } : {}), ...(endpoint === undefined ? {} : { endpoint }) },
    priceList,
    ...(pool === undefined ? {} : { pool }),
    admission,
  };
}

/** The settings as a table a person reads (`ephemera --help`; docs/cli.md has the same as a table). */
export function describeSettings(): string {
  return Object.values(SETTINGS)
    .map((s) => `  ${s.env.padEnd(32)} ${s.flag.padEnd(25)} ${s.description} (${s.defaultText === "required" ? "required" : `default: ${s.defaultText}`})`)
    .join("\n");
}

function list(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}
