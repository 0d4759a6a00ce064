import { type DBSnapshot, RDSClient } from "@aws-sdk/client-rds";
import { newestBaseline } from "../../../../reaper/pool/plan-refill";

/** An RDS client that answers every DescribeDBSnapshots with `snapshots`. */
function rdsWith(snapshots: DBSnapshot[]): RDSClient {
  const rds = new RDSClient({ region: "us-east-1" });
  rds.send = (async () => ({ DBSnapshots: snapshots, $metadata: {} })) as unknown as RDSClient["send"];
  return rds;
}

const snapshot = (id: string, minute: number): DBSnapshot => ({ DBSnapshotIdentifier: id, Status: "available", SnapshotCreateTime: new Date(Date.UTC(2026, 4, 1, 12, minute)) });

describe("the newest baseline snapshot of a source instance", () => {
  test("is the newest of those the reaper's role may restore from: automated (rds:<source>-…) or named after the source", async () => {
    const rds = rdsWith([snapshot("app-db-2026-05-01", 1), snapshot("rds:app-db-2026-05-01-12-02", 2), snapshot("before-migration", 3)]);
    // "before-migration" is newer, but the role may not restore from it: the refill never plans a restore it would be denied.
    expect(await newestBaseline(rds, { sourceDbInstance: "app-db" })).toEqual({ snapshot: "rds:app-db-2026-05-01-12-02", createdAt: "2026-05-01T12:02:00.000Z" });
  });

  test("is unknown when no snapshot has an allowed name, and says of what", async () => {
    expect(await newestBaseline(rdsWith([snapshot("before-migration", 3)]), { sourceDbInstance: "app-db" })).toEqual({ unknown: "no available snapshot of app-db" });
  });
});
