import type { EnvironmentConfig } from "../../stacks/environment-config";

type Blocks = Record<string, Record<string, Record<string, any>>>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A synthesized stack's Terraform JSON, as the stack tests read it. */
export interface SynthesizedStack {
  readonly resource: Blocks;
  readonly data: Blocks;
  readonly output: Record<string, { value: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly provider: Record<string, Record<string, any>[]>; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly terraform: { backend?: Record<string, Record<string, unknown>>; required_providers: Record<string, unknown> };
}

/** One environment's validated inputs on the cluster `previews`, as main.ts would pass them. */
export const ENVIRONMENT_CONFIG: EnvironmentConfig = {
  envId: "pr-123",
  ttl: "2d",
  owner: "octocat",
  budgetUsd: 25,
  onExpiry: "delete",
  region: "us-east-1",
  clusterName: "previews",
  oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
  vpcId: "vpc-0abc",
  subnetIds: ["subnet-0a", "subnet-0b"],
  baselineSnapshot: "baseline-2026-11-01",
  database: true,
  pauseTopicArn: "arn:aws:sns:us-east-1:123456789012:ephemera-pause",
};
