import { discover } from "../../../../reaper/discovery/discover";
import { AwsKindContext } from "../../../../reaper/runtime/aws-kind-context";
import type { DiscoveredResource, Inventory, KindAdapter, KindName } from "../../../../reaper/contracts/kind-adapter";

const AUDIT_BUCKET = "ephemera-audit";
const ctx = new AwsKindContext({ aws: { region: "us-east-1" }, auditBucket: AUDIT_BUCKET });
afterAll(() => ctx.destroy());

const managed = { "ephemera:managed-by": "ephemera", "ephemera:env": "pr-1" };

function resource(kind: KindName, id: string, tags: Record<string, string> = managed): DiscoveredResource {
  return { kind, id, region: "us-east-1", tags };
}

function fake(kind: KindName, list: () => Promise<Inventory>): KindAdapter<AwsKindContext> {
  const unused = async () => ({ ok: false });
  return { kind, list, tag: unused, delete: unused };
}

describe("discover", () => {
  it("concatenates every adapter's resources and failures", async () => {
    const inventory = await discover(ctx, [
      fake("secret", async () => ({ resources: [resource("secret", "a")], failures: [] })),
      fake("budget", async () => ({
        resources: [resource("budget", "ephemera-pr-1")],
        failures: [{ kind: "budget", scope: "budget ephemera-pr-2", code: "AccessDenied", message: "no" }],
      })),
    ]);
    expect(inventory.resources.map((r) => r.id)).toEqual(["a", "ephemera-pr-1"]);
    expect(inventory.failures).toEqual([{ kind: "budget", scope: "budget ephemera-pr-2", code: "AccessDenied", message: "no" }]);
  });

  it("turns an adapter that throws into a listing failure of its kind, and still lists the others", async () => {
    const inventory = await discover(ctx, [
      fake("secret", async () => {
        throw Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
      }),
      fake("budget", async () => ({ resources: [resource("budget", "ephemera-pr-1")], failures: [] })),
    ]);
    expect(inventory.resources.map((r) => r.id)).toEqual(["ephemera-pr-1"]);
    expect(inventory.failures).toEqual([{ kind: "secret", scope: "list", code: "ThrottlingException", message: "Rate exceeded" }]);
  });

  it("never passes on a resource without managed-by=ephemera, whatever an adapter returns", async () => {
    const inventory = await discover(ctx, [
      fake("secret", async () => ({
        resources: [
          resource("secret", "untagged", {}),
          resource("secret", "theirs", { "ephemera:managed-by": "terraform" }),
          resource("secret", "ours"),
        ],
        failures: [],
      })),
    ]);
    expect(inventory.resources.map((r) => r.id)).toEqual(["ours"]);
  });

  it("never passes on the audit bucket, whatever an adapter returns", async () => {
    const inventory = await discover(ctx, [
      fake("s3-bucket", async () => ({
        resources: [
          resource("s3-bucket", AUDIT_BUCKET),
          { ...resource("s3-bucket", "alias"), arn: `arn:aws:s3:::${AUDIT_BUCKET}` },
          resource("s3-bucket", "pr-1-assets"),
        ],
        failures: [],
      })),
    ]);
    expect(inventory.resources.map((r) => r.id)).toEqual(["pr-1-assets"]);
  });

  it("runs at most `concurrency` listings at once", async () => {
    let running = 0;
    let peak = 0;
    const slow = (kind: KindName) =>
      fake(kind, async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running--;
        return { resources: [], failures: [] };
      });
    await discover(ctx, (["secret", "budget", "s3-bucket", "ec2-instance", "rds-instance"] as const).map(slow), { concurrency: 2 });
    expect(peak).toBe(2);
  });
});
