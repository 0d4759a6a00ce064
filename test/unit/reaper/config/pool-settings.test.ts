import { parseDatabasePool } from "../../../../reaper/config/pool-settings";

const VALID = {
  name: "default",
  size: 2,
  maxAge: "1d",
  instanceClass: "db.t4g.micro",
  subnetGroup: "ephemera-pool",
  vpcId: "vpc-0abc1234",
  securityGroupIds: ["sg-0abc1234"],
  baseline: { sourceDbInstance: "app-baseline" },
};
const problem = (over: Record<string, unknown>) => {
  try {
    parseDatabasePool(JSON.stringify({ ...VALID, ...over }));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected a problem");
};

describe("EPHEMERA_DATABASE_POOL", () => {
  test("the construct's JSON is read into the pool's settings", () => {
    expect(parseDatabasePool(JSON.stringify(VALID))).toEqual({ ...VALID, maxAge: undefined, maxAgeMs: 86_400_000 });
    expect(parseDatabasePool(JSON.stringify({ ...VALID, baseline: { snapshot: "app-2026-05-01" } })).baseline).toEqual({ snapshot: "app-2026-05-01" });
  });

  test("every bad field is named, with the fix", () => {
    expect(() => parseDatabasePool("size=2")).toThrow(/^EPHEMERA_DATABASE_POOL "size=2" is not JSON; set it as the WarmDatabasePool construct writes it/);
    expect(problem({ name: "Default" })).toMatch(/^EPHEMERA_DATABASE_POOL\.name "Default" has uppercase letters/);
    expect(problem({ name: "a-very-long-pool-name-indeed" })).toMatch(/is longer than 20 characters/);
    expect(problem({ size: -1 })).toBe('EPHEMERA_DATABASE_POOL.size "-1" is not a whole number from 0 to 50; use the number of databases to keep warm, such as 2');
    expect(problem({ maxAge: "10m" })).toMatch(/^EPHEMERA_DATABASE_POOL\.maxAge "10m" is shorter than an hour/);
    expect(problem({ vpcId: undefined })).toBe(`EPHEMERA_DATABASE_POOL.vpcId "null" is not a VPC id; use the VPC of the pool's subnets (the environments' VPC), such as "vpc-0abc1234"`);
    expect(problem({ vpcId: "sg-0abc1234" })).toMatch(/^EPHEMERA_DATABASE_POOL\.vpcId "sg-0abc1234" is not a VPC id/);
    expect(problem({ securityGroupIds: [] })).toMatch(/^EPHEMERA_DATABASE_POOL\.securityGroupIds "\[\]" is not a list of security group ids/);
    expect(problem({ baseline: { snapshot: "a", sourceDbInstance: "b" } })).toMatch(/names neither, or both, of a snapshot and a source DB instance/);
    expect(problem({ instanceClass: "" })).toMatch(/^EPHEMERA_DATABASE_POOL\.instanceClass "\\"\\"" is not a non-empty string/);
  });
});
