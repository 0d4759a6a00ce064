import { BudgetsClient, DescribeBudgetCommand } from "@aws-sdk/client-budgets";
import { DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import { GetBucketTaggingCommand, S3Client } from "@aws-sdk/client-s3";
import { GetScheduleCommand, ListTagsForResourceCommand, SchedulerClient } from "@aws-sdk/client-scheduler";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mapWithLimit } from "../reaper/support/map-with-limit";
import type { FleetKind, FleetResource } from "./reaper-fleet";

/**
 * The baseline the reaper's discovery is compared with: one request per resource, for
 * every resource in the account (look-alikes too: nothing tells them apart without
 * reading them), with the names already known. No listing request is counted, so this
 * is the cheapest a per-resource reaper could be.
 */
export const NAIVE_CALL: Readonly<Record<FleetKind, string>> = {
  "s3-bucket": "s3:GetBucketTagging",
  budget: "budgets:DescribeBudget",
  "scheduler-group": "scheduler:ListTagsForResource",
  "scheduler-schedule": "scheduler:GetSchedule",
  secret: "secretsmanager:DescribeSecret",
  "rds-instance": "rds:DescribeDBInstances (one identifier)",
};

/** Requests in flight at once: the reaper's own fan-out per listing (KindContext.listConcurrency). */
export const NAIVE_CONCURRENCY = 5;

export interface NaiveConnection {
  readonly endpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
}

/** Reads every resource once; returns how many answered and how many failed. */
export async function naiveDiscovery(conn: NaiveConnection, resources: readonly FleetResource[]): Promise<{ read: number; failed: number }> {
  const config = { endpoint: conn.endpoint, region: conn.region, credentials: conn.credentials, maxAttempts: 5 };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const budgets = new BudgetsClient(config);
  const scheduler = new SchedulerClient(config);
  const secrets = new SecretsManagerClient(config);
  const rds = new RDSClient(config);
  const groupArn = (name: string) => `arn:aws:scheduler:${conn.region}:${conn.accountId}:schedule-group/${name}`;
  let failed = 0;
  const read = (r: FleetResource): Promise<unknown> => {
    switch (r.kind) {
      case "s3-bucket":
        return s3.send(new GetBucketTaggingCommand({ Bucket: r.id }));
      case "budget":
        return budgets.send(new DescribeBudgetCommand({ AccountId: conn.accountId, BudgetName: r.id }));
      case "scheduler-group":
        return scheduler.send(new ListTagsForResourceCommand({ ResourceArn: groupArn(r.id) }));
      case "scheduler-schedule": {
        const [GroupName, Name] = r.id.split("/");
        return scheduler.send(new GetScheduleCommand({ GroupName, Name }));
      }
      case "secret":
        return secrets.send(new DescribeSecretCommand({ SecretId: r.id }));
      case "rds-instance":
        return rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: r.id }));
    }
  };
  try {
    await mapWithLimit(resources, NAIVE_CONCURRENCY, async (r) => {
      try {
        await read(r);
      } catch {
        failed += 1;
      }
    });
  } finally {
    for (const client of [s3, budgets, scheduler, secrets, rds]) client.destroy();
  }
  return { read: resources.length - failed, failed };
}
