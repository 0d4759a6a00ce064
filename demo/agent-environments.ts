/**
 * What `npm run demo:agents` does to the agents' environments besides the MCP tools: deploys
 * each with its claimed warm database (`terraform apply` of the environment stack, as a
 * pipeline would), starts one agent's load test, and looks for anything managed left.
 */
import { DescribeInstancesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { DescribeNodegroupCommand } from "@aws-sdk/client-eks";
import { DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { type Emulator, EMULATOR_CREDENTIALS } from "../harness/emulator";
import { environmentConfigOn, type ExistingInfrastructure } from "../harness/existing-infrastructure";
import { emulatorClients, POOL_SUBNET_GROUP } from "../harness/seed-environments";
import { describeSlowest, emulatorEnvironment, workspaceFor } from "../harness/terraform";
import { readSettings } from "../reaper/config/read-settings";
import { TAG } from "../reaper/model";
import { ReaperRuntime } from "../reaper/runtime/reaper-runtime";
import { EnvironmentStack, environmentStackName } from "../stacks/environment-stack";
import type { AgentSpec } from "./agent-cast";
import type { Cleanup } from "./cleanup";

/** One environment as its apply left it. */
export interface DeployedEnvironment {
  readonly env: string;
  readonly outputs: Record<string, string>;
  readonly applyMs: number;
  /** Managed resources in its state. */
  readonly resources: number;
  /** Its slowest resources, `address N s, …`. */
  readonly slowest: string;
  /** The end of the first apply's error, when it failed and the second apply converged. */
  readonly retriedAfter?: string;
}

/**
 * Synthesizes the agent's environment stack with its claimed database (imported into its
 * state, not restored), applies its AWS parts against the emulator and reads its outputs.
 */
export async function deployWithClaimedDatabase(
  emulator: Emulator,
  infra: ExistingInfrastructure,
  pauseTopicArn: string,
  agent: AgentSpec,
  claimed: { readonly database: string; readonly securityGroupId: string; readonly secretArn: string },
  cleanup: Cleanup,
): Promise<DeployedEnvironment> {
  const config = environmentConfigOn(infra, emulator.region, agent.name, pauseTopicArn, {
    ttl: agent.ttl,
    owner: agent.owner,
    budgetUsd: agent.budgetUsd,
    claimedDatabase: { identifier: claimed.database, subnetGroupName: POOL_SUBNET_GROUP, securityGroupId: claimed.securityGroupId, secretArn: claimed.secretArn },
  });
  const { workspace } = await workspaceFor(emulator, (app) => new EnvironmentStack(app, environmentStackName(agent.name), config), emulatorEnvironment(infra));
  cleanup.add(`removed env-${agent.name}'s Terraform workspace`, () => workspace.dispose());
  // An apply is re-runnable: a second one converges from whatever the first left in the state, as a pipeline's retry would.
  let retriedAfter: string | undefined;
  const applied = await workspace.apply().catch((err: unknown) => {
    retriedAfter = lastErrorLine(err);
    return workspace.apply();
  });
  const outputs = Object.fromEntries(Object.entries(await workspace.outputs()).map(([k, v]) => [k, String(v)]));
  const resources = (await workspace.stateList()).filter((a) => !a.startsWith("data.")).length;
  return { env: agent.name, outputs, applyMs: applied.ms, resources, slowest: describeSlowest(applied.output, 2), ...(retriedAfter === undefined ? {} : { retriedAfter }) };
}

/** Terraform's error line (`Error: …`) of a failed apply, or the error's last line. */
function lastErrorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = text.split("\n").map((l) => l.replace(/^[│╷╵\s]+/, "").trim()).filter(Boolean);
  return lines.find((l) => l.startsWith("Error: ")) ?? lines.at(-1) ?? "unknown error";
}

/**
 * The agent's load test: on-demand instances in the environment's first subnet, tagged
 * with the environment's `ephemera:*` tags as its node group carries them, so the reaper
 * meters them, and pauses and deletes them with the environment. Returns their ids.
 */
export async function startLoadTest(
  emulator: Emulator,
  infra: ExistingInfrastructure,
  env: string,
  load: { readonly count: number; readonly instanceType: string },
): Promise<string[]> {
  const { ec2, eks, destroy } = emulatorClients(emulator);
  try {
    const group = (await eks.send(new DescribeNodegroupCommand({ clusterName: infra.clusterName, nodegroupName: `${env}-nodes` }))).nodegroup;
    const tags = Object.entries(group?.tags ?? {}).filter(([key]) => key.startsWith("ephemera:"));
    if (!tags.some(([key, value]) => key === TAG.env && value === env)) throw new Error(`node group ${env}-nodes carries no ${TAG.env}=${env} tag`);
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: "ami-12c6146b",
        InstanceType: load.instanceType as never,
        MinCount: load.count,
        MaxCount: load.count,
        SubnetId: infra.subnetIds[0],
        TagSpecifications: [{ ResourceType: "instance", Tags: tags.map(([Key, Value]) => ({ Key, Value })) }],
      }),
    );
    return (run.Instances ?? []).map((i) => i.InstanceId!);
  } finally {
    destroy();
  }
}

/** The instances' states, `id state` each. */
export async function instanceStates(emulator: Emulator, ids: readonly string[]): Promise<string[]> {
  const { ec2, destroy } = emulatorClients(emulator);
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...ids] }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => `${i.InstanceId} ${i.State?.Name}`);
  } finally {
    destroy();
  }
}

/**
 * Whatever carries `ephemera:managed-by=ephemera` still: every resource the reaper's own
 * discovery finds (every kind: environments' resources and warm pool databases alike),
 * and, with plain SDK calls, any database or live instance tagged so. One line each.
 */
export async function managedLeft(emulator: Emulator, settings: Record<string, string>): Promise<string[]> {
  const runtime = new ReaperRuntime(readSettings(settings), { credentials: EMULATOR_CREDENTIALS });
  const { ec2, rds, destroy } = emulatorClients(emulator);
  try {
    const inventory = await runtime.discover();
    if (inventory.failures.length > 0) throw new Error(`discovery could not list everything: ${inventory.failures.map((f) => `${f.kind}: ${f.message}`).join("; ")}`);
    const found = inventory.resources.map((r) => `${r.kind} ${r.id} (discovery)`);
    const managed = (tags: { Key?: string; Value?: string }[] | undefined) => (tags ?? []).some((t) => t.Key === TAG.managedBy && t.Value === "ephemera");
    for (const db of (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []) {
      if (managed(db.TagList)) found.push(`database ${db.DBInstanceIdentifier} ${db.DBInstanceStatus}`);
    }
    const instances = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] }] }));
    for (const i of (instances.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      if (managed(i.Tags)) found.push(`instance ${i.InstanceId} ${i.State?.Name}`);
    }
    return found;
  } finally {
    destroy();
    await runtime.destroy();
  }
}
