/**
 * The cdktf app named in cdktf.json.
 *
 * - `ephemera-platform`: the once-per-account pieces (PlatformStack); with
 *   EPHEMERA_PLATFORM_BUDGET_LIMIT_USD, the platform budget too.
 * - `env-<id>`: one environment (EnvironmentStack), added when EPHEMERA_ENV is set;
 *   its inputs are EPHEMERA_* environment variables or cdktf context of the same names.
 */
import { App } from "./constructs/core";
import { InvalidValueError } from "./reaper/model";
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
  const platformLimit = input("EPHEMERA_PLATFORM_BUDGET_LIMIT_USD");
  if (platformLimit !== undefined && !/^\d{1,9}(\.\d{1,2})?$/.test(platformLimit.trim())) {
    throw new InvalidValueError("EPHEMERA_PLATFORM_BUDGET_LIMIT_USD", platformLimit, "is not an amount in USD", 'use the monthly limit in dollars, such as "2000"');
  }
  new PlatformStack(app, "ephemera-platform", {
    region,
    auditBucketName: input("EPHEMERA_AUDIT_BUCKET") ?? `ephemera-audit-${region}`,
    breakGlassPrincipalArn: input("EPHEMERA_BREAK_GLASS_PRINCIPAL_ARN"),
    // The monthly limit over everything Ephemera manages: provisioning pauses at 90 % of it.
    ...(platformLimit === undefined ? {} : { platformBudget: { limitUsd: Number(platformLimit) } }),
  });
  if (input("EPHEMERA_ENV") !== undefined) {
    const config = readEnvironmentConfig(input);
    new EnvironmentStack(app, environmentStackName(config.envId), { ...config, region: config.region ?? region });
  }
  app.synth();
} catch (err) {
  // A pipeline's missing or bad inputs are a message to read, not a stack trace.
  if (!(err instanceof EnvironmentConfigError || err instanceof InvalidValueError)) throw err;
  console.error(`Error: ${err.message}`);
  process.exitCode = 1;
}
