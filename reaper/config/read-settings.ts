import {
  type Isolation,
  isAccountId,
  isEksClusterName,
  isIamPath,
  isRegion,
  isS3BucketName,
  isSnsTopicArn,
  MAX_MAX_TTL,
  parseDuration,
  type Result,
  SETTING_DEFAULTS,
  SETTINGS,
  type SettingName,
  type SettingSpec,
  tryParseDuration,
  tryParseIsolationList,
  tryParseUsd,
} from "../model";
import { quote } from "../model/invalid-value-error";
import { type ReaperConfig, reaperConfig } from "./reaper-config";
import { type DatabasePoolSettings, parseDatabasePool } from "./pool-settings";

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
  /** Most checkpoints an environment keeps, its baseline not counted (`ephemera checkpoint`). @default 5 */
  readonly maxCheckpoints: number;
  /** How old a reviewed reap plan may be, by S3's clock, for `ephemera reap --plan` to execute it. @default 1h */
  readonly maxPlanAgeMs: number;
}

/** The caps on how many environments exist (reaper/admission). */
export interface AdmissionLimits {
  /** Most live environments in the account. */
  readonly maxEnvironments: number;
  /** Most live environments per owner. */
  readonly maxEnvironmentsPerOwner: number;
  /** The largest budget one environment may ask for, in USD. */
  readonly maxBudgetUsd: number;
  /** The isolation levels the platform has nodes for; an environment that asks for another is refused. */
  readonly offeredIsolation: readonly Isolation[];
  /** How long an admission counts before the environment's resources exist. */
  readonly holdMs: number;
  /** How old the live-environment index may be for `admit` to count from it; 0: always discover. */
  readonly indexMaxAgeMs: number;
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
  const values = readEach(env, overrides);
  return {
    reaper: reaperConfigOf(values),
    dryRun: values.dryRun,
    clusters: values.clusters,
    expiryScheduleGroup: values.expiryScheduleGroup,
    iamPath: values.iamPath,
    aws: { region: values.region, ...(values.profile ? { profile: values.profile } : {}), ...(values.endpoint === undefined ? {} : { endpoint: values.endpoint }) },
    priceList: values.priceList,
    ...(values.databasePool === undefined ? {} : { pool: values.databasePool }),
    admission: admissionOf(values),
    maxCheckpoints: values.maxCheckpoints,
    maxPlanAgeMs: values.maxPlanAge,
  };
}

/** The settings as a table a person reads (`ephemera --help`; docs/cli.md has the same as a table). */
export function describeSettings(): string {
  return Object.values(SETTINGS)
    .map((s) => `  ${s.env.padEnd(32)} ${s.flag.padEnd(25)} ${s.description} (${s.defaultText === "required" ? "required" : `default: ${s.defaultText}`})`)
    .join("\n");
}

/** A setting's text and where it came from: the flag that gave it, or the variable. */
interface Given {
  readonly text: string;
  readonly from: string;
}

/** The settings read so far, for a limit that is another setting. */
type Earlier = Readonly<Partial<Record<SettingName, unknown>>>;

/** Turns a given setting into its value, or throws a {@link SettingsError} naming where it came from, the text and the fix. */
type Parser<T> = (given: Given, earlier: Earlier) => T;

/** How one setting is read: its parser (with its limits) when it is given, and what it is when it is not. */
interface Row<T> {
  readonly parse: Parser<T>;
  readonly unset: (spec: SettingSpec) => T;
}

function orDefault<T>(parse: Parser<T>, value: T): Row<T> {
  return { parse, unset: () => value };
}

function optional<T>(parse: Parser<T>): Row<T | undefined> {
  return { parse, unset: () => undefined };
}

/** A setting with no default: unset, it is an error saying what to set it to, with an example, and the flag. */
function required<T>(parse: Parser<T>, what: string, example: string, placeholder: string): Row<T> {
  return {
    parse,
    unset: (spec) => {
      throw new SettingsError(`${spec.env} is not set; set it to ${what} (e.g. ${spec.env}=${example}) or pass ${spec.flag} ${placeholder}`);
    },
  };
}

/**
 * Every setting of {@link SETTINGS}: its parser, its limits and its default. They are read in
 * this order, so the first wrong one here is the one reported; a setting whose limit is another
 * setting (the warning window, at most the max TTL) comes after that setting.
 */
const PARSERS = {
  auditBucket: required(
    matching(isS3BucketName, "is not an S3 bucket name", `use the bucket's name only, such as "acme-ephemera-audit"`),
    "the audit bucket's name",
    "acme-ephemera-audit",
    "<name>",
  ),
  allowedAccounts: orDefault(listOf(isAccountId, "is not a 12-digit AWS account id", `list account ids separated by commas, such as "123456789012,210987654321"`), []),
  maxTtl: orDefault(duration({ max: MAX_MAX_TTL }), parseDuration(SETTING_DEFAULTS.maxTtl)),
  warningWindow: orDefault(duration({ max: "maxTtl", zeroTurnsOff: true }), parseDuration(SETTING_DEFAULTS.warningWindow)),
  maxEnvsPerRun: orDefault(count({ min: 0 }, `use a count such as "10" (0 deletes and pauses nothing)`), SETTING_DEFAULTS.maxEnvsPerRun),
  deadlineMarginSeconds: orDefault(seconds({ min: 0, max: 900 }, `use seconds such as "60" (less than the function's timeout)`), SETTING_DEFAULTS.deadlineMarginSeconds),
  leaseSeconds: orDefault(seconds({ min: 10, max: 86_400 }, `use the sweep interval in seconds, such as "300"`), SETTING_DEFAULTS.leaseSeconds),
  maxClockSkewSeconds: orDefault(seconds({ min: 1, max: 3600 }, `use seconds such as "30"`), SETTING_DEFAULTS.maxClockSkewSeconds),
  dryRun: orDefault(boolean("to change nothing"), SETTING_DEFAULTS.dryRun),
  clusters: orDefault(listOf(isEksClusterName, "is not an EKS cluster name", `list cluster names separated by commas, such as "shared,shared-eu"`), []),
  notificationTopicArn: optional(matching(isSnsTopicArn, "is not an SNS topic ARN", `use one such as "arn:aws:sns:us-east-1:123456789012:ephemera-owners"`)),
  expiryScheduleGroup: orDefault(
    matching(isScheduleGroupName, "is not a schedule group name", `use letters, digits, '.', '_' and '-', such as "default"`),
    SETTING_DEFAULTS.expiryScheduleGroup,
  ),
  iamPath: orDefault(matching(isIamPath, "is not an IAM path", `use a path that starts and ends with "/", such as "/ephemera/"`), SETTING_DEFAULTS.iamPath),
  region: required(matching(isRegion, "is not an AWS region", `use a region code such as "us-east-1"`), "the environments' region", "us-east-1", "<region>"),
  profile: optional(trimmed),
  endpoint: optional(matching(isHttpUrl, "is not an http(s) URL", `use one such as "http://127.0.0.1:5000", or leave it unset for AWS itself`)),
  priceList: orDefault(
    priceSource(`use "aws" (the default), "off" for the table shipped with the package, or an endpoint such as "https://api.pricing.us-east-1.amazonaws.com"`),
    SETTING_DEFAULTS.priceList,
  ),
  databasePool: optional(poolJson),
  admissionHold: orDefault(duration({ max: parseDuration("1d") }), parseDuration(SETTING_DEFAULTS.admissionHold)),
  admissionIndexMaxAge: orDefault(duration({ max: parseDuration("1d"), zeroTurnsOff: true }), parseDuration(SETTING_DEFAULTS.admissionIndexMaxAge)),
  platformBudgetUsd: optional(usd("2000")),
  maxEnvironments: orDefault(count({ min: 1 }, `use a count such as "${SETTING_DEFAULTS.maxEnvironments}"`), SETTING_DEFAULTS.maxEnvironments),
  maxEnvironmentsPerOwner: orDefault(count({ min: 1 }, `use a count such as "${SETTING_DEFAULTS.maxEnvironmentsPerOwner}"`), SETTING_DEFAULTS.maxEnvironmentsPerOwner),
  maxBudgetUsd: orDefault(usd("100"), SETTING_DEFAULTS.maxBudgetUsd),
  offeredIsolation: orDefault(isolationLevels, [SETTING_DEFAULTS.offeredIsolation]),
  maxCheckpoints: orDefault(count({ min: 1 }, `use a count such as "${SETTING_DEFAULTS.maxCheckpoints}"`), SETTING_DEFAULTS.maxCheckpoints),
  maxPlanAge: orDefault(duration({ max: parseDuration("1d") }), parseDuration(SETTING_DEFAULTS.maxPlanAge)),
} satisfies { readonly [K in SettingName]: Row<unknown> };

/** What each setting reads as. */
type Values = { readonly [K in SettingName]: ReturnType<(typeof PARSERS)[K]["unset"]> };

/** Reads every row of {@link PARSERS}, in order. */
function readEach(env: Readonly<Record<string, string | undefined>>, overrides: SettingOverrides): Values {
  const values: Partial<Record<SettingName, unknown>> = {};
  for (const name of Object.keys(PARSERS) as SettingName[]) {
    const row: Row<unknown> = PARSERS[name];
    const given = givenText(name, env, overrides);
    values[name] = given === undefined ? row.unset(SETTINGS[name]) : row.parse(given, values);
  }
  return values as Values;
}

/** A setting's text and where it came from: its flag wins, then its variable, then its fallback variable; a blank variable counts as unset. */
function givenText(name: SettingName, env: Readonly<Record<string, string | undefined>>, overrides: SettingOverrides): Given | undefined {
  const spec: SettingSpec = SETTINGS[name];
  const flag = overrides[name];
  if (flag !== undefined) return { text: String(flag), from: spec.flag };
  const variable = [spec.env, spec.fallbackEnv].find((v) => v !== undefined && (env[v] ?? "").trim() !== "");
  return variable === undefined ? undefined : { text: env[variable]!, from: variable };
}

/** The engine's config; every field was checked by its parser, so a throw here is a guard against the two drifting apart. */
function reaperConfigOf(values: Values): ReaperConfig {
  return asSettingsError(() =>
    reaperConfig({
      auditBucket: values.auditBucket,
      allowedAccounts: values.allowedAccounts,
      warningWindowMs: values.warningWindow,
      maxEnvironmentsPerRun: values.maxEnvsPerRun,
      maxTtlMs: values.maxTtl,
      deadlineMarginMs: values.deadlineMarginSeconds * 1000,
      leaseMs: values.leaseSeconds * 1000,
      maxClockSkewMs: values.maxClockSkewSeconds * 1000,
      ...(values.notificationTopicArn === undefined ? {} : { notificationTopicArn: values.notificationTopicArn }),
    }),
  );
}

function admissionOf(values: Values): AdmissionLimits {
  return {
    maxEnvironments: values.maxEnvironments,
    maxEnvironmentsPerOwner: values.maxEnvironmentsPerOwner,
    maxBudgetUsd: values.maxBudgetUsd,
    offeredIsolation: values.offeredIsolation,
    holdMs: values.admissionHold,
    indexMaxAgeMs: values.admissionIndexMaxAge,
    ...(values.platformBudgetUsd === undefined ? {} : { platformBudgetUsd: values.platformBudgetUsd }),
  };
}

// The parsers: one per kind of value.

/** The text, trimmed. */
function trimmed(given: Given): string {
  return given.text.trim();
}

/** A name, ARN or URL: the trimmed text, if it passes `test`. */
function matching(test: (text: string) => boolean, what: string, fix: string): Parser<string> {
  return (given) => {
    const text = given.text.trim();
    if (!test(text)) throw problem(given, what, fix);
    return text;
  };
}

/** Comma-separated items, blank ones left out; the first that fails `test` is named on its own. */
function listOf(test: (item: string) => boolean, what: string, fix: string): Parser<string[]> {
  return (given) => {
    const items = given.text
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
    const bad = items.find((item) => !test(item));
    if (bad !== undefined) throw problem({ ...given, text: bad }, what, fix);
    return items;
  };
}

/** Comma-separated isolation levels, at least one, each known (an unknown one is an error, never dropped). */
function isolationLevels(given: Given): Isolation[] {
  return valueOf(tryParseIsolationList(given.text, { field: given.from }));
}

/** A whole number from `min` to `max`, in digits only and no more of them than `max` has. */
function wholeNumber(range: { readonly min: number; readonly max: number }, what: string, fix: string): Parser<number> {
  const digits = new RegExp(`^\\d{1,${String(range.max).length}}$`);
  return (given) => {
    const text = given.text.trim();
    const n = Number(text);
    if (!digits.test(text) || n < range.min || n > range.max) throw problem(given, what, fix);
    return n;
  };
}

/** A count of up to six digits, from 0 or from 1. */
function count({ min }: { readonly min: 0 | 1 }, fix: string): Parser<number> {
  return wholeNumber({ min, max: 999_999 }, min === 0 ? "is not a whole number" : `is not a whole number of at least ${min}`, fix);
}

function seconds(range: { readonly min: number; readonly max: number }, fix: string): Parser<number> {
  return wholeNumber(range, `is not a whole number of seconds from ${range.min} to ${range.max}`, fix);
}

/** A duration in the ttl grammar, in ms, at most `max` (ms, or a setting read earlier); `0` may turn the setting off. */
function duration(options: { readonly max: number | SettingName; readonly zeroTurnsOff?: boolean }): Parser<number> {
  return (given, earlier) => {
    const text = given.text.trim();
    if (options.zeroTurnsOff === true && text === "0") return 0;
    return valueOf(tryParseDuration(text, { field: given.from, max: limitOf(options.max, earlier) }));
  };
}

function limitOf(max: number | SettingName, earlier: Earlier): number {
  if (typeof max === "number") return max;
  const value = earlier[max];
  if (typeof value !== "number") throw new Error(`${max} is read after a setting it limits`);
  return value;
}

/** An amount in USD above 0. */
function usd(example: string): Parser<number> {
  return (given) => valueOf(tryParseUsd(given.text, { field: given.from, example: `"${example}"` }));
}

/** true or false, in any case; `trueMeans` says what true does. */
function boolean(trueMeans: string): Parser<boolean> {
  return (given) => {
    const word = given.text.trim().toLowerCase();
    if (word !== "true" && word !== "false") throw problem(given, "is not true or false", `set ${given.from}=true ${trueMeans}, or ${given.from}=false`);
    return word === "true";
  };
}

/** Where the spend meter gets prices: `aws`, `off` (in any case), or an http(s) endpoint. */
function priceSource(fix: string): Parser<EphemeraSettings["priceList"]> {
  const endpoint = matching(isHttpUrl, "is not an http(s) URL", fix);
  return (given, earlier) => {
    const word = given.text.trim().toLowerCase();
    return word === "aws" || word === "off" ? word : { endpoint: endpoint(given, earlier) };
  };
}

/** The warm database pool's JSON, as the WarmDatabasePool construct writes it. */
function poolJson(given: Given): DatabasePoolSettings {
  return asSettingsError(() => parseDatabasePool(given.text, given.from));
}

function isScheduleGroupName(text: string): boolean {
  return /^[0-9a-zA-Z._-]{1,64}$/.test(text);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function problem(given: Given, what: string, fix: string): SettingsError {
  return new SettingsError(`${given.from} ${quote(given.text)} ${what}; ${fix}`);
}

/** A model parser's value, or its message as a {@link SettingsError}. */
function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new SettingsError(result.error.message);
  return result.value;
}

/** Runs a check that throws its own message (the pool's parser, the engine's config) and throws that message as a {@link SettingsError}. */
function asSettingsError<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    throw new SettingsError(err instanceof Error ? err.message : String(err));
  }
}
