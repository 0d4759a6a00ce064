/**
 * The reaper engine's public API: configuration, the sweep and its stages, the
 * operator's plans (pause, resume, extend), audit verification, the kind catalog and
 * adapters, and the Lambda handler. The layout behind it is in docs/architecture.md.
 */
export { type ActOptions, type ActResult, type ActionOutcome, type AdapterTable, act, type EnvironmentOutcome } from "./action/act";
export { moveExpirySchedule, type ScheduleMove } from "./action/expiry-schedule";
export { type Notification, type Notifier, snsNotifier } from "./action/notifier";
export { type AuditRecord, type AuditEvent } from "./audit/audit-record";
export type { StateStore } from "./state/state-store";
export { S3StateStore } from "./state/s3-state-store";
export type { AuditRunVerification } from "./audit/verify-audit-chain";
export { verifyAudit, verifyAuditIn, verifyAuditRun, verifyAuditRunIn } from "./audit/verify-audit";
export { type DecideConfig, type DecideInput, decide } from "./decision/decide";
export type { CheckpointAction, EnvironmentPlan, Intent, Plan, PlannedAction, PlanNote, PlanPhase } from "./contracts/plan";
export { type ExtendDecision, type ExtendOptions, planExtend } from "./decision/plan-extend";
export { type ManualPlanOptions, planPause, planResume } from "./decision/manual-plans";
export { renderPlan } from "./decision/render-plan";
export { discover } from "./discovery/discover";
export { createHandler, handler, type HandlerDeps, type HandlerResult } from "./handlers";
export { ALL_KIND_ADAPTERS, KIND_ADAPTERS } from "./kinds";
export { KIND_CATALOG, KIND_NAMES, type KindName } from "./contracts/kind-catalog";
export type { ArnPattern, IamGrant, KindRow } from "./contracts/kind-row";
export type { DiscoveredResource, Inventory, KindAdapter, ListingFailure, OperationResult } from "./contracts/kind-adapter";
export { extendEnvironment, type ExtendRequest, type ExtendResult } from "./operations/extend-environment";
export { checkpointEnvironment, type CheckpointRequest, type CheckpointResult } from "./operations/checkpoint-environment";
export { type CheckpointEntry, type CheckpointListing, listCheckpoints, type ListCheckpointsRequest, type ListCheckpointsResult } from "./operations/list-checkpoints";
export { type CheckpointDecision, type CheckpointOptions, type CheckpointRefusal, planCheckpoint } from "./decision/plan-checkpoint";
export { type EnvironmentListing, type EnvironmentSummary, listEnvironments } from "./operations/list-environments";
export { type OperatorPlanRequest, type OperatorPlanResult, runOperatorPlan } from "./operations/run-operator-plan";
export { runSweep, type SweepRequest } from "./operations/run-sweep";
export { type MadeReapPlan, makeReapPlan, type MakeReapPlanRequest } from "./operations/make-reap-plan";
export { executeReapPlan, type ExecuteReapPlanRequest, type PlanExecution, type PlanRefusal, type SkippedEnvironment, storedReapPlan } from "./operations/execute-reap-plan";
export { planHash, readPlanFile, REAP_PLAN_FORMAT, type ReapPlanFile, type ReviewedPlan, type SeenResource } from "./decision/reviewed-plan";
export { type Drift, planDrift } from "./decision/plan-drift";
export { type AccountCheck, checkAccount } from "./runtime/account-guard";
export { type AwsConnection, AwsKindContext, type KindContextOptions } from "./runtime/aws-kind-context";
export type { AwsClientClass, KindContext } from "./contracts/kind-context";
export { DEFAULT_REAPER_CONFIG, type ReaperConfig, type ReaperConfigInput, reaperConfig } from "./config/reaper-config";
export { ReaperRuntime, type ReaperRuntimeOptions } from "./runtime/reaper-runtime";
export { type EphemeraSettings, readSettings, SettingsError } from "./config/read-settings";
export { type CliIo, runCli } from "./cli/run-cli";
export { sweep, type SweepOptions, type SweepResult } from "./operations/sweep";
export { type BudgetStanding, budgetStanding, type SpendBasis } from "./decision/budget-standing";
export { type EnvReading, type EnvSpend, meter, type MeterInput, type MeterResult, type PriceSheet, type SpendReadings } from "./spend/price-usage";
export { PriceList, type PriceLookup } from "./spend/price-list";
export type { Product, Quote } from "./contracts/product";
export { SpendMeter, type SpendMeterOptions, type SpendReport, type SpendTotals } from "./spend/spend-meter";
export type { MeteredUsage } from "./contracts/metered-usage";
