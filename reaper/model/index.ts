// The contracts the constructs and the reaper share: the tag schema and TTL grammar,
// names, the Lambda's event shapes, setting names and defaults, identifier checks.
// Imported at synth and bundled into the reaper Lambda, so it depends on nothing but
// the language (a unit test checks this).
export {
  DEFAULT_MAX_TTL,
  type DurationOptions,
  formatDuration,
  MAX_DURATION_LENGTH,
  parseDuration,
  tryParseDuration,
} from "./duration";
export { MAX_ENV_ID_LENGTH, parseEnvId, tryParseEnvId } from "./env-id";
export { type Expiry, type ExpiryBasis, type ExpiryOptions, expiryOf, type TtlOverMax } from "./expiry";
export { formatInstant, parseInstant, tryParseInstant } from "./instant";
export { InvalidValueError } from "./invalid-value-error";
export {
  DEFAULT_ISOLATION,
  type Isolation,
  ISOLATION_LEVELS,
  ISOLATION_NAMESPACE_LABEL,
  isSandbox,
  parseIsolation,
  RUNTIME_OVERHEAD,
  type RuntimeOverhead,
  RUNTIME_CLASS_PREFIX,
  runtimeClassName,
  runtimeHandler,
  SANDBOX_LEVELS,
  SANDBOX_NODE_LABEL,
  type SandboxIsolation,
  sandboxNodeLabels,
  sandboxTaint,
  tryParseIsolation,
  tryParseIsolationList,
} from "./isolation";
export { MAX_TAG_VALUE_LENGTH, ownerKey, parseOwner, tryParseOwner } from "./owner";
export { tryParseUsd, type UsdOptions } from "./usd";
export {
  formatJanitorExpires,
  isK8sLabelValue,
  JANITOR_EXPIRES_ANNOTATION,
  K8S_ANNOTATION,
  K8S_LABEL,
  RUNTIME_K8S_KEYS,
} from "./k8s-metadata";
export { parseOnExpiry, SAFEST_FIRST, safestOnExpiry, tryParseOnExpiry } from "./on-expiry";
export { type ParseOptions, type Result } from "./result";
export {
  DEFAULT_ON_EXPIRY,
  ENV_STATES,
  type EnvState,
  isManagedByEphemera,
  isProtected,
  MANAGED_BY_VALUE,
  ON_EXPIRY_VALUES,
  type OnExpiry,
  POOL_STATE,
  POOL_TAG_KEYS,
  RUNTIME_TAG_KEYS,
  TAG,
  type TagKey,
  type Tags,
} from "./tags";
export {
  isAccountId,
  isEksClusterName,
  isIamPrincipalArn,
  isIamPath,
  isIamRoleArn,
  isKmsKeyArn,
  isLambdaFunctionArn,
  isRegion,
  isS3BucketName,
  isSecretArn,
  isSnsTopicArn,
  isSnsTopicArnPattern,
  partitionOf,
} from "./arns";
export { atExpression, ephemeraEventType, type ExpireEvent, expireEvent, type SweepEvent, sweepEvent } from "./events";
export {
  baselineSnapshotPrefixes,
  AUDIT_PREFIX,
  LEASE_PREFIX,
  SPEND_PREFIX,
  ADMISSION_PREFIX,
  ADMISSION_REQUEST_PREFIX,
  AUDIT_BUCKET_PREFIXES,
  PROVISIONING_PREFIX,
  LIVE_INDEX_PREFIX,
  TRACE_PREFIX,
  tracePrefix,
  TRACE_SEAL_PREFIX,
  PLAN_PREFIX,
  workloadRoleName,
  PLATFORM_BUDGET_NAME,
  CLAIM_PREFIX,
  POOL_MEMBER_PREFIX,
  poolMemberIdentifier,
  poolMemberSecurityGroupDescription,
  poolMemberSecurityGroupName,
  MAX_POOL_NAME_LENGTH,
  tryParsePoolName,
  tryParsePoolMaxAge,
  BUDGET_NAME_PREFIX,
  budgetName,
  envOfBudgetName,
  expiryScheduleGroupName,
  expiryScheduleName,
  CHECKPOINT_PREFIX,
  checkpointSnapshotName,
  replacedCheckpointName,
  ROLLBACK_REPLACED_SUFFIX,
  ROLLBACK_STAGED_SUFFIX,
  FINAL_SNAPSHOT_PREFIX,
  finalSnapshotName,
  IAM_PATH,
  NAME_PREFIX,
  SCHEDULE_GROUP_PREFIX,
} from "./names";
export { MAX_MAX_TTL, SETTING_DEFAULTS, type SettingName, SETTINGS, type SettingSpec } from "./setting-specs";
export { type Clock, systemClock } from "./clock";
export {
  CREDENTIALS_SECRET_NAME_PATTERN,
  credentialsSecretDescription,
  credentialsSecretNamePrefix,
  DATABASE_CREDENTIALS_FIELDS,
  DATABASE_PASSWORD_LENGTH,
  type DatabaseCredentials,
  databaseCredentialsValue,
  formatDatabaseCredentials,
  parseDatabaseCredentials,
  RDS_PASSWORD_FORBIDDEN_CHARACTERS,
  tryParseDatabaseCredentials,
} from "./database-credentials";
