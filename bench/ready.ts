/**
 * Time to a usable environment, three ways, in one run against the local emulator (moto)
 * with real `terraform apply`:
 *
 * 1. its own Spot node group and a fresh restore of the baseline (the default);
 * 2. its own node group and a warm database claimed from the pool (`ephemera claim`);
 * 3. shared nodes and a warm database.
 *
 * For each: the apply's wall time (Terraform has finished: every resource exists and the
 * database answers), the claim's time where there is one, and the slowest resources from
 * Terraform's machine-readable log (`apply -json`, `apply_complete` events). The pool is
 * filled by a reaper sweep first, as on AWS it is long before anyone claims. Kubernetes
 * resources are left out: no API server runs here (docs/testing.md).
 *
 *   npm run bench:ready
 *
 * The machines are noisy: compare the ratios of one run. docs/benchmarks.md has a run and
 * the same three on AWS, modelled from published figures.
 */
import { CreateSecurityGroupCommand, EC2Client } from "@aws-sdk/client-ec2";
import { EMULATOR_CREDENTIALS, startEmulator, type Emulator } from "../harness/emulator";
import { createExistingInfrastructure, environmentConfigOn, type ExistingInfrastructure } from "../harness/existing-infrastructure";
import { POOL_SUBNET_GROUP, poolSettings, seedAuditBucket, seedPoolGroups, seedTopic } from "../harness/seed-environments";
import { askForAccountId, emulatorEnvironment, type ResourceTime, synthStack, TerraformWorkspace, withoutKubernetes } from "../harness/terraform";
import { claimPoolDatabase } from "../reaper/pool/claim-database";
import { runSweep } from "../reaper/operations/run-sweep";
import { ReaperRuntime } from "../reaper/runtime/reaper-runtime";
import { readSettings } from "../reaper/config/read-settings";
import { EnvironmentStack, environmentStackName } from "../stacks/environment-stack";

const AUDIT_BUCKET = "ephemera-audit-bench-ready";

interface Way {
  readonly label: string;
  readonly env: string;
  readonly pooled: boolean;
  readonly nodes: "dedicated" | "shared";
}

const WAYS: readonly Way[] = [
  { label: "own node group, fresh restore", env: "ready-restore", pooled: false, nodes: "dedicated" },
  { label: "own node group, warm database", env: "ready-warm", pooled: true, nodes: "dedicated" },
  { label: "shared nodes, warm database", env: "ready-shared", pooled: true, nodes: "shared" },
];

interface Measured {
  readonly way: Way;
  readonly claimMs: number;
  readonly applyMs: number;
  readonly resources: readonly ResourceTime[];
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<number> {
  let e: Emulator | undefined;
  const workspaces: TerraformWorkspace[] = [];
  const runtimes: ReaperRuntime[] = [];
  try {
    e = await startEmulator();
    const infra = await createExistingInfrastructure(e);
    await seedAuditBucket(e, AUDIT_BUCKET);
    const pauseTopicArn = await seedTopic(e, "ephemera-pause");
    const poolGroups = await seedPoolGroups(e, infra.vpcId, infra.subnetIds);
    const sharedNodes = await sharedNodeGroup(e, infra);
    const settings = readSettings({
      ...e.env(),
      EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
      EPHEMERA_ALLOWED_ACCOUNTS: e.accountId,
      EPHEMERA_PRICE_LIST: "off",
      EPHEMERA_DATABASE_POOL: JSON.stringify(poolSettings(2, poolGroups, { snapshot: infra.baselineSnapshot })),
    });
    const runtime = () => {
      const r = new ReaperRuntime(settings, { credentials: EMULATOR_CREDENTIALS });
      runtimes.push(r);
      return r;
    };
    const filled = await runSweep(runtime());
    console.log(`pool filled by a sweep: ${filled.result?.actions.filter((a) => a.action === "restore").length ?? 0} databases restored`);

    const measured: Measured[] = [];
    for (const way of WAYS) {
      let claimMs = 0;
      let claimed: { database: string; securityGroupId: string; secretArn: string } | undefined;
      if (way.pooled) {
        const started = performance.now();
        const claim = await claimPoolDatabase(runtime(), { env: way.env, admission: { env: way.env, owner: "bench@example.com", ttlMs: 3_600_000 }, tags: {}, claimant: "bench" });
        claimMs = performance.now() - started;
        if (claim.status !== "claimed") throw new Error(`the claim for ${way.env} ended ${claim.status}: ${claim.message ?? ""}`);
        claimed = { database: claim.database!, securityGroupId: claim.securityGroupId!, secretArn: claim.secretArn! };
      }
      const config = environmentConfigOn(infra, e.region, way.env, pauseTopicArn, {
        nodes: way.nodes,
        ...(way.nodes === "shared" ? { sharedNodeSecurityGroup: sharedNodes } : {}),
        ...(claimed === undefined ? {} : { claimedDatabase: { identifier: claimed.database, subnetGroupName: POOL_SUBNET_GROUP, securityGroupId: claimed.securityGroupId, secretArn: claimed.secretArn } }),
      });
      // Shared nodes make no node group, so nothing reads the cluster security group the emulator lacks.
      const prepare = way.nodes === "shared" ? withoutKubernetes : emulatorEnvironment(infra);
      const ws = await TerraformWorkspace.create(prepare(synthStack((app) => new EnvironmentStack(app, environmentStackName(way.env), config))), e);
      workspaces.push(ws);
      askForAccountId(ws);
      console.log(`applying ${way.label}…`);
      const applied = await ws.applyMachineReadable();
      measured.push({ way, claimMs, applyMs: applied.ms, resources: applied.resources });
      console.log(`  ${secs(claimMs + applied.ms)}; slowest: ${applied.resources.slice(0, 3).map((r) => `${r.address} ${r.seconds} s`).join(", ")}`);
    }

    const base = measured[0]!.claimMs + measured[0]!.applyMs;
    console.log("\nTime to a usable environment (emulator; Kubernetes resources left out):\n");
    console.log("| way | claim | apply | total | total : fresh restore | slowest resources (apply -json) |");
    console.log("| --- | ---: | ---: | ---: | ---: | --- |");
    for (const m of measured) {
      const total = m.claimMs + m.applyMs;
      const slowest = m.resources.slice(0, 3).map((r) => `${r.address.replace(/^.*\./, "")} ${r.seconds} s`).join(", ");
      console.log(`| ${m.way.label} | ${m.way.pooled ? secs(m.claimMs) : "-"} | ${secs(m.applyMs)} | ${secs(total)} | ${(total / base).toFixed(2)} | ${slowest} |`);
    }
    return 0;
  } finally {
    for (const ws of workspaces) ws.dispose();
    for (const r of runtimes) await r.destroy();
    await e?.stop();
  }
}

/** A shared node pool's security group, which the shared-nodes way's database admits. */
async function sharedNodeGroup(e: Emulator, infra: ExistingInfrastructure): Promise<string> {
  const ec2 = new EC2Client(e.clientConfig());
  try {
    return (await ec2.send(new CreateSecurityGroupCommand({ VpcId: infra.vpcId, GroupName: "shared-nodes", Description: "shared-nodes" }))).GroupId!;
  } finally {
    ec2.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
