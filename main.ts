/**
 * The cdktf app named in cdktf.json.
 *
 * - `ephemera-platform`: the once-per-account pieces (PlatformStack); with
 *   EPHEMERA_PLATFORM_BUDGET_LIMIT_USD, the platform budget too.
 * - `ephemera-cluster-<cluster>`: the once-per-cluster pieces (ClusterStack), added when
 *   EPHEMERA_OFFERED_ISOLATION offers a sandbox level: the cluster (EPHEMERA_CLUSTER_NAME)
 *   runs exactly those levels.
 * - `env-<id>`: one environment (EnvironmentStack), added when EPHEMERA_ENV is set;
 *   its inputs are EPHEMERA_* environment variables or cdktf context of the same names.
 */
import { App } from "./constructs/core";
import { InvalidValueError, tryParseUsd } from "./reaper/model";
import { ClusterConfigError, readClusterConfig } from "./stacks/cluster-config";
import { ClusterStack, clusterStackName } from "./stacks/cluster-stack";
import { EnvironmentConfigError, readEnvironmentConfig } from "./stacks/environment-config";
import { EnvironmentStack, environmentStackName } from "./stacks/environment-stack";
import { PlatformStack } from "./stacks/platform-stack";

const app = new App();
const input = (name: string): string | undefined => {
  const fromContext = app.node.tryGetContext(name) as unknown;
  return typeof fromContext === "string" ? fromContext : process.env[name];
};
const region = input("EPHEMERA_REGION") ?? process.env.AWS_REGION ?? "us-east-1";

try {
  const platformLimitText = input("EPHEMERA_PLATFORM_BUDGET_LIMIT_USD");
  const platformLimit = platformLimitText === undefined ? undefined : tryParseUsd(platformLimitText, { field: "EPHEMERA_PLATFORM_BUDGET_LIMIT_USD", example: '"2000"' });
  if (platformLimit?.ok === false) throw platformLimit.error;
  new PlatformStack(app, "ephemera-platform", {
    region,
    auditBucketName: input("EPHEMERA_AUDIT_BUCKET") ?? `ephemera-audit-${region}`,
    breakGlassPrincipalArn: input("EPHEMERA_BREAK_GLASS_PRINCIPAL_ARN"),
    // The monthly limit over everything Ephemera manages: provisioning pauses at 90 % of it.
    ...(platformLimit?.ok === true ? { platformBudget: { limitUsd: platformLimit.value } } : {}),
  });
  const cluster = readClusterConfig(input);
  if (cluster !== undefined) {
    new ClusterStack(app, clusterStackName(cluster.clusterName), { ...cluster, region });
  }
  if (input("EPHEMERA_ENV") !== undefined) {
    const config = readEnvironmentConfig(input);
    new EnvironmentStack(app, environmentStackName(config.envId), { ...config, region: config.region ?? region });
  }
  app.synth();
} catch (err) {
  // A pipeline's missing or bad inputs are a message to read, not a stack trace.
  if (!(err instanceof EnvironmentConfigError || err instanceof ClusterConfigError || err instanceof InvalidValueError)) throw err;
  console.error(`Error: ${err.message}`);
  process.exitCode = 1;
}
