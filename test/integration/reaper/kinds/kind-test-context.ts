import { AwsKindContext, type KindContextOptions } from "../../../../reaper/runtime/aws-kind-context";
import type { DiscoveredResource, KindAdapter } from "../../../../reaper/contracts/kind-adapter";
import { CreateDBInstanceCommand, type CreateDBInstanceCommandInput } from "@aws-sdk/client-rds";
import { type Emulator, useEmulator } from "../../../../harness/emulator";

/** The audit bucket every kind test configures; tests create it to prove it is left alone. */
export const AUDIT_BUCKET = "ephemera-audit-123456789012";

let envCounter = 0;

/**
 * A new environment id for each test. The emulator is not reset between the tests of
 * a file (moto rebuilds its EC2 and RDS backends after a reset, which costs seconds
 * per test), so each test works only with what it created, found by its env.
 */
export function uniqueEnv(): string {
  return `pr-${++envCounter}`;
}

/** Tags of a resource environment `env` owns. */
export function managedTags(env: string): Record<string, string> {
  return { "ephemera:managed-by": "ephemera", "ephemera:env": env, "ephemera:owner": "team@example.com" };
}

/** Tags of a resource someone else manages, with an env tag that would otherwise look like ours. */
export function otherManagedTags(env: string): Record<string, string> {
  return { "ephemera:managed-by": "terraform", "ephemera:env": env };
}

/** Only the resources of one environment. */
export function ofEnv(resources: readonly DiscoveredResource[], env: string): DiscoveredResource[] {
  return resources.filter((r) => r.tags["ephemera:env"] === env);
}

/** The resource `id` as the adapter lists it; throws when it is not listed. */
export async function listedById(ctx: AwsKindContext, adapter: KindAdapter<AwsKindContext>, id: string): Promise<DiscoveredResource> {
  const found = (await adapter.list(ctx)).resources.find((r) => r.id === id);
  if (!found) throw new Error(`${adapter.kind} ${id} was not listed`);
  return found;
}

export function asTagList(tags: Record<string, string>): { Key: string; Value: string }[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** A small postgres DB instance `id`, tagged with `tags` when given, with `more` of CreateDBInstance's input. */
export async function createDatabase(ctx: AwsKindContext, id: string, tags: Record<string, string> | undefined, more: Partial<CreateDBInstanceCommandInput> = {}): Promise<void> {
  await ctx.rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: id,
      DBInstanceClass: "db.t3.micro",
      Engine: "postgres",
      MasterUsername: "app",
      MasterUserPassword: "not-a-real-password",
      AllocatedStorage: 20,
      ...(tags ? { Tags: asTagList(tags) } : {}),
      ...more,
    }),
  );
}

/**
 * Jest helper: one emulator per file and a fresh AwsKindContext pointed at it for each
 * test, destroyed afterwards. Few attempts per call: the emulator does not throttle,
 * and a failing call should fail fast.
 */
export function useKindContext(
  options: Partial<KindContextOptions> = {},
): { ctx: () => AwsKindContext; emulator: () => Emulator } {
  const emulator = useEmulator({ resetBetweenTests: false });
  let ctx: AwsKindContext | undefined;
  beforeEach(() => {
    const e = emulator();
    ctx = new AwsKindContext({
      aws: { ...e.clientConfig() },
      accountId: e.accountId,
      auditBucket: AUDIT_BUCKET,
      maxAttempts: 2,
      ...options,
    });
  });
  afterEach(async () => {
    await ctx?.destroy();
    ctx = undefined;
  });
  return {
    emulator,
    ctx: () => {
      if (!ctx) throw new Error("no AwsKindContext outside a test");
      return ctx;
    },
  };
}
