// The shared tag/TTL model: imported by the constructs and bundled into the reaper
// Lambda, so it depends on nothing but the language.
export {
  DEFAULT_MAX_TTL,
  type DurationOptions,
  formatDuration,
  MAX_DURATION_LENGTH,
  parseDuration,
  tryParseDuration,
} from "./duration";
export { MAX_ENV_ID_LENGTH, parseEnvId, tryParseEnvId } from "./env-id";
export { type Expiry, type ExpiryBasis, type ExpiryOptions, expiryOf } from "./expiry";
export { formatInstant, parseInstant, tryParseInstant } from "./instant";
export { InvalidValueError } from "./invalid-value-error";
export {
  formatJanitorExpires,
  isK8sLabelValue,
  JANITOR_EXPIRES_ANNOTATION,
  K8S_ANNOTATION,
  K8S_LABEL,
  RUNTIME_K8S_KEYS,
} from "./k8s-metadata";
export { parseOnExpiry, tryParseOnExpiry } from "./on-expiry";
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
  RUNTIME_TAG_KEYS,
  TAG,
  type TagKey,
  type Tags,
} from "./tags";
