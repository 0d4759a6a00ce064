/**
 * Ephemera's package entry: the constructs, the deployable stacks, the contracts they
 * share with the reaper (tags, TTL grammar, names), and the reaper engine with its
 * Lambda handler.
 *
 * The engine's values load the AWS SDK clients (about 250 ms and 40 MB of heap), which
 * a cdktf app that only synthesizes should not pay, so each is loaded on first use. Its
 * types are exported as they are.
 */
import type * as Engine from "./reaper";

export * from "./constructs";
export * from "./stacks";
export * from "./reaper/model";
export type * from "./reaper";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = new Proxy({} as typeof Engine, { get: (_, name) => (require("./reaper") as Record<string | symbol, unknown>)[name] });

export declare const ALL_KIND_ADAPTERS: typeof Engine.ALL_KIND_ADAPTERS;
export declare const AwsKindContext: typeof Engine.AwsKindContext;
export declare const DEFAULT_REAPER_CONFIG: typeof Engine.DEFAULT_REAPER_CONFIG;
export declare const KIND_ADAPTERS: typeof Engine.KIND_ADAPTERS;
export declare const KIND_CATALOG: typeof Engine.KIND_CATALOG;
export declare const KIND_NAMES: typeof Engine.KIND_NAMES;
export declare const REAP_PLAN_FORMAT: typeof Engine.REAP_PLAN_FORMAT;
export declare const PriceList: typeof Engine.PriceList;
export declare const ReaperRuntime: typeof Engine.ReaperRuntime;
export declare const S3StateStore: typeof Engine.S3StateStore;
export declare const SettingsError: typeof Engine.SettingsError;
export declare const SpendMeter: typeof Engine.SpendMeter;
export declare const act: typeof Engine.act;
export declare const budgetStanding: typeof Engine.budgetStanding;
export declare const checkAccount: typeof Engine.checkAccount;
export declare const checkpointEnvironment: typeof Engine.checkpointEnvironment;
export declare const createHandler: typeof Engine.createHandler;
export declare const decide: typeof Engine.decide;
export declare const discover: typeof Engine.discover;
export declare const executeReapPlan: typeof Engine.executeReapPlan;
export declare const extendEnvironment: typeof Engine.extendEnvironment;
export declare const handler: typeof Engine.handler;
export declare const listCheckpoints: typeof Engine.listCheckpoints;
export declare const listEnvironments: typeof Engine.listEnvironments;
export declare const makeReapPlan: typeof Engine.makeReapPlan;
export declare const meter: typeof Engine.meter;
export declare const moveExpirySchedule: typeof Engine.moveExpirySchedule;
export declare const planCheckpoint: typeof Engine.planCheckpoint;
export declare const planDrift: typeof Engine.planDrift;
export declare const planExtend: typeof Engine.planExtend;
export declare const planHash: typeof Engine.planHash;
export declare const planPause: typeof Engine.planPause;
export declare const planResume: typeof Engine.planResume;
export declare const readPlanFile: typeof Engine.readPlanFile;
export declare const readSettings: typeof Engine.readSettings;
export declare const reaperConfig: typeof Engine.reaperConfig;
export declare const renderPlan: typeof Engine.renderPlan;
export declare const runCli: typeof Engine.runCli;
export declare const runOperatorPlan: typeof Engine.runOperatorPlan;
export declare const runSweep: typeof Engine.runSweep;
export declare const snsNotifier: typeof Engine.snsNotifier;
export declare const storedReapPlan: typeof Engine.storedReapPlan;
export declare const sweep: typeof Engine.sweep;
export declare const verifyAudit: typeof Engine.verifyAudit;
export declare const verifyAuditIn: typeof Engine.verifyAuditIn;
export declare const verifyAuditRun: typeof Engine.verifyAuditRun;
export declare const verifyAuditRunIn: typeof Engine.verifyAuditRunIn;
export type AwsKindContext = Engine.AwsKindContext;
export type KindContext = Engine.KindContext;
export type PriceList = Engine.PriceList;
export type ReaperRuntime = Engine.ReaperRuntime;
export type S3StateStore = Engine.S3StateStore;
export type SettingsError = Engine.SettingsError;
export type SpendMeter = Engine.SpendMeter;

/** The values declared above: each a getter that loads the engine on first use. */
const LAZY: readonly (keyof typeof Engine)[] = [
  "ALL_KIND_ADAPTERS", "AwsKindContext", "DEFAULT_REAPER_CONFIG", "KIND_ADAPTERS", "KIND_CATALOG", "KIND_NAMES",
  "PriceList", "REAP_PLAN_FORMAT", "ReaperRuntime", "S3StateStore", "SettingsError", "SpendMeter", "act", "budgetStanding", "checkAccount",
  "checkpointEnvironment", "createHandler", "decide", "discover", "executeReapPlan", "extendEnvironment", "handler", "listCheckpoints", "listEnvironments",
  "makeReapPlan", "meter", "moveExpirySchedule", "planCheckpoint", "planDrift", "planExtend", "planHash",
  "planPause", "planResume", "readPlanFile", "readSettings", "reaperConfig", "renderPlan", "runCli", "runOperatorPlan",
  "runSweep", "snsNotifier", "storedReapPlan", "sweep", "verifyAudit", "verifyAuditIn", "verifyAuditRun", "verifyAuditRunIn",
];
for (const name of LAZY) Object.defineProperty(exports, name, { enumerable: true, get: () => engine[name] });
