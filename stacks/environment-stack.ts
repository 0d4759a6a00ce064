import { Construct } from "constructs";
import { EphemeralEnvironment } from "../constructs/ephemeral-environment";
import { TerraformOutput, TerraformStack } from "../constructs/core";
import { clusterProviders } from "./cluster-providers";
import { EnvironmentConfig } from "./environment-config";
import { stateBackend } from "./state-backend";

/** The stack name a pipeline deploys and destroys: `env-<id>`. */
export function environmentStackName(envId: string): string {
  return `env-${envId}`;
}

/**
 * One environment, deployable on its own: `cdktf deploy env-<id>` and
 * `cdktf destroy env-<id>` touch this environment's state and nothing else.
 */
export class EnvironmentStack extends TerraformStack {
  readonly environment: EphemeralEnvironment;

  constructor(scope: Construct, id: string, config: EnvironmentConfig) {
    super(scope, id);
    // One state file per environment, so destroying one can never touch another.
    stateBackend(this, { bucket: config.stateBucket, key: `ephemera/environments/${config.envId}/terraform.tfstate`, region: config.region, lockTable: config.stateLockTable });
    const { cluster } = clusterProviders(this, { clusterName: config.clusterName, region: config.region });

    this.environment = new EphemeralEnvironment(this, "environment", {
      envId: config.envId,
      ttl: config.ttl,
      expiresAt: config.expiresAt,
      owner: config.owner,
      budgetUsd: config.budgetUsd,
      onExpiry: config.onExpiry,
      clusterName: config.clusterName,
      oidcProviderArn: config.oidcProviderArn,
      vpcId: config.vpcId,
      privateSubnetIds: config.subnetIds,
      clusterSecurityGroupId: cluster.vpcConfig.get(0).clusterSecurityGroupId,
      pauseTopicArn: config.pauseTopicArn,
      ownerTopicArn: config.ownerTopicArn,
      database: config.database,
      baselineSnapshotIdentifier: config.baselineSnapshot,
      baselineDbInstanceIdentifier: config.baselineDbInstance,
      ...(config.claimedDatabase === undefined ? {} : { claimedDatabase: config.claimedDatabase }),
      ...(config.nodes === undefined ? {} : { nodes: config.nodes }),
      ...(config.sharedNodeSecurityGroup === undefined ? {} : { sharedNodeSecurityGroupId: config.sharedNodeSecurityGroup }),
      ...(config.instanceTypes === undefined ? {} : { instanceTypes: config.instanceTypes }),
      ...(config.isolation === undefined ? {} : { isolation: config.isolation }),
      ...(config.sharedPoolIsolation === undefined ? {} : { sharedPoolIsolation: config.sharedPoolIsolation }),
      reaper: config.reaper,
      ...(config.decisionTrace === undefined ? {} : { decisionTrace: config.decisionTrace }),
    });

    for (const [name, value] of Object.entries(this.environment.outputs)) {
      new TerraformOutput(this, name, { value });
    }
  }
}
