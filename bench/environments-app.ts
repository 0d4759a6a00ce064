import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "../constructs/core";
import { EnvironmentConfig } from "../stacks/environment-config";
import { EnvironmentStack, environmentStackName } from "../stacks/environment-stack";
import { PlatformStack } from "../stacks/platform-stack";

/** The inputs of environment `pr-<n>`, as a pipeline would pass them, with remote state. */
export function environmentConfig(n: number): EnvironmentConfig {
  return {
    envId: `pr-${n}`,
    ttl: "2d",
    owner: `dev-${n}@example.com`,
    budgetUsd: 25,
    onExpiry: "delete",
    region: "us-east-1",
    clusterName: "previews",
    oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
    vpcId: "vpc-0abc",
    subnetIds: ["subnet-0a", "subnet-0b"],
    baselineDbInstance: "baseline-db",
    database: true,
    pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
    stateBucket: "acme-terraform-state",
    stateLockTable: "terraform-locks",
  };
}

/**
 * A stand-in for the bundled reaper Lambda (`npm run bundle:reaper`), which the platform
 * stack packages as an asset: a directory with a one-line index.js. Returns its path.
 */
export function stubReaperBundle(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-reaper-bundle-"));
  fs.writeFileSync(path.join(dir, "index.js"), "exports.handler = async () => undefined;\n");
  return dir;
}

/**
 * One app holding the platform stack and `count` environment stacks (`env-pr-1` …),
 * as `cdktf synth` would build it if one app held many environments. Call `synth()` on it.
 */
export function environmentsApp(count: number, outdir: string, reaperBundlePath: string): App {
  const app = new App({ outdir });
  new PlatformStack(app, "ephemera-platform", { region: "us-east-1", auditBucketName: "acme-ephemera-audit", reaperBundlePath });
  for (let n = 1; n <= count; n++) {
    const config = environmentConfig(n);
    new EnvironmentStack(app, environmentStackName(config.envId), config);
  }
  return app;
}
