/**
 * The platform of `npm run demo:agents`: what it already has, the platform stack's parts the
 * agents need (seeded with the SDK), the settings the operator's CLI and every agent's MCP
 * server share, and the sweeps that fill and refill the warm database pool.
 */
import type { Emulator } from "../harness/emulator";
import { createExistingInfrastructure, type ExistingInfrastructure } from "../harness/existing-infrastructure";
import { poolSettings, seedAuditBucket, seedPoolGroups, seedTopic } from "../harness/seed-environments";
import { AUDIT_BUCKET, CAPS, OWNER_TOPIC, PAUSE_TOPIC } from "./agent-cast";
import type { Cleanup } from "./cleanup";
import { type Cli, cliIn } from "./ephemera-cli";
import type { Narrator } from "./narrator";
import type { OwnerInbox } from "./owner-inbox";

/** What every step after the set-up works with. */
export interface Platform {
  readonly emulator: Emulator;
  readonly inbox: OwnerInbox;
  readonly infra: ExistingInfrastructure;
  readonly pauseTopicArn: string;
  /** The settings the operator's CLI and every agent's `ephemera mcp` server run with. */
  readonly settings: Record<string, string>;
  /** The operator's `ephemera`, in-process. */
  readonly ephemera: Cli;
  readonly narrator: Narrator;
  readonly cleanup: Cleanup;
}

/** Step 2: what the platform already has, the platform stack's parts the agents need, and the settings they all run with. */
export async function setUpPlatform(emulator: Emulator, inbox: OwnerInbox, narrator: Narrator, cleanup: Cleanup): Promise<Platform> {
  const say = (text: string) => narrator.say(text);
  const infra = await createExistingInfrastructure(emulator);
  await seedAuditBucket(emulator, AUDIT_BUCKET);
  const pauseTopicArn = await seedTopic(emulator, PAUSE_TOPIC);
  const ownerTopicArn = await seedTopic(emulator, OWNER_TOPIC);
  await inbox.subscribe(emulator, ownerTopicArn);
  const poolGroups = await seedPoolGroups(emulator, infra.vpcId, infra.subnetIds);
  say(
    `What the platform already has, made with the AWS SDK: a VPC with two private subnets, the EKS cluster "${infra.clusterName}" and its ` +
      `OIDC provider, and a baseline database with the snapshot "${infra.baselineSnapshot}".`,
  );
  say(
    "The platform stack's parts the agents need are made the same way, as the end-to-end tests make them: the audit bucket (Object Lock), " +
      "the pause topic, the owners' topic, and the warm pool's DB subnet group and security group (admitting nothing). " +
      "`npm run demo` shows that stack's terraform apply; here it would add a minute and a half to a demo about agents.",
  );
  const settings: Record<string, string> = {
    ...emulator.env(),
    EPHEMERA_AUDIT_BUCKET: AUDIT_BUCKET,
    EPHEMERA_ALLOWED_ACCOUNTS: emulator.accountId,
    EPHEMERA_NOTIFICATION_TOPIC_ARN: ownerTopicArn,
    EPHEMERA_MAX_ENVIRONMENTS: String(CAPS.account),
    EPHEMERA_MAX_ENVIRONMENTS_PER_OWNER: String(CAPS.perOwner),
    EPHEMERA_DATABASE_POOL: JSON.stringify(poolSettings(CAPS.account, poolGroups, { snapshot: infra.baselineSnapshot })),
    // The emulator has no Price List API: the spend meter prices from the table shipped with the package.
    EPHEMERA_PRICE_LIST: "off",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  say("The operator's CLI and every agent's MCP server run with the same settings, as an operator would set them:");
  narrator.show(
    Object.entries(settings)
      .filter(([k]) => k.startsWith("EPHEMERA_"))
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
  );
  say(
    "No Kubernetes API server can run here, and each agent's `ephemera mcp` is a process of its own that would reach a cluster through its " +
      "EKS endpoint, which the emulator cannot serve. So EPHEMERA_CLUSTERS is unset: the environments' Kubernetes parts are left out entirely " +
      "(`npm run demo` shows them, with an API double in the CLI's own process).",
  );
  return { emulator, inbox, infra, pauseTopicArn, settings, ephemera: cliIn(narrator, settings), narrator, cleanup };
}

/** Steps 3 and 7: one sweep of the reaper, whose refill restores the pool to its size, and the pool's count before and after. */
export async function sweepThePool({ ephemera, narrator }: Platform, why: "fill" | "refill"): Promise<void> {
  const say = (text: string) => narrator.say(text);
  const before = await poolLine(ephemera);
  say(
    why === "fill"
      ? "The reaper keeps the pool full: every full sweep (every 5 minutes, from its schedule) restores what is missing from the baseline snapshot. " +
          "The operator runs one sweep now, as the schedule would:"
      : "The claims emptied the pool. The next sweep restores what is missing, without touching a claimed database:",
  );
  narrator.show(`before: ${before}`);
  const sweep = await ephemera(["reap"], { quiet: true });
  narrator.command("ephemera reap    # its pool part");
  narrator.show(partOf(sweep.out, (env) => env.startsWith("pool:")));
  const after = await poolLine(ephemera);
  narrator.show(`after: ${after}`);
  if (!/: (\d+) warm of \1,/.test(after)) throw new Error(`the sweep did not fill the pool: ${after}`);
}

/** The pool's line of `ephemera ls`: `Pool default: 8 warm of 8, 0 restoring, …`. */
export async function poolLine(ephemera: Cli): Promise<string> {
  const out = (await ephemera(["ls"], { quiet: true })).out;
  const line = out.split("\n").find((l) => l.startsWith("Pool "));
  if (line === undefined) throw new Error(`ephemera ls showed no pool:\n${out}`);
  return line;
}

/**
 * The lines of a sweep's output about some environments: their part of the plan (heading
 * and reason) and of the run (each action's outcome), with the plan's and the run's
 * heading lines. The plan's action lists repeat what the run shows, and the run's tag
 * writes are left out but counted.
 */
export function partOf(out: string, about: (env: string) => boolean): string {
  const picked: string[] = [];
  let inside = false;
  let tags = 0;
  for (const line of out.split("\n")) {
    if (/^(Run \S+:|Plan at )/.test(line)) picked.push(line);
    const heading = /^(\S+): /.exec(line);
    if (heading !== null) inside = about(heading[1]!);
    else if (/^\S/.test(line)) inside = false;
    if (!inside || /^\s+(\d+\. \S+|- .*)$/.test(line)) continue;
    if (/^\s+tag .*: done$/.test(line)) tags++;
    else picked.push(line);
  }
  return [...picked, ...(tags > 0 ? [`  (and ${tags} tag writes: ephemera:* state tags on each resource)`] : [])].join("\n");
}
