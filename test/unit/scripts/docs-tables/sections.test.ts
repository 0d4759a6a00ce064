import { DEFAULT_REAPER_CONFIG } from "../../../../reaper/config/reaper-config";
import { EPHEMERA_TOOLS } from "../../../../reaper/mcp/ephemera-tools";
import { SETTINGS, TAG } from "../../../../reaper/model";
import { GENERATED_PAGES } from "../../../../scripts/docs-tables";
import { inWords } from "../../../../scripts/docs-tables/reaper-config";
import { SECTIONS } from "../../../../scripts/docs-tables/sections";

describe("the sections generated from doc comments and definitions", () => {
  it("are each on a page", () => {
    const onPages = Object.values(GENERATED_PAGES).flat();
    expect(Object.keys(SECTIONS).filter((name) => !onPages.includes(name))).toEqual([]);
  });

  it("list every MCP tool, with the command line its call builds and its hints", () => {
    const tools = SECTIONS["mcp-tools"]!();
    for (const tool of EPHEMERA_TOOLS) expect(tools).toContain(`| \`${tool.name}`);
    expect(tools).toContain("| `admit_environment {env, owner, ttl?, budgetUsd?}` | `ephemera admit <env> --owner <owner> [--ttl] [--budget-usd] --json` | no | no | yes |");
    expect(tools).toContain("| `extend_environment {env, duration, dryRun?}` | `ephemera extend <env> <duration> [--dry-run] --json` | no | no | **no** |");
    expect(tools).toContain("| `plan_reap {env?, now?}` | `ephemera reap --plan-out - [--env] [--dry-run --now] --json` | no | no | **no** |");
    expect(tools).toContain("| `execute_reap_plan {planHash, confirm?, dryRun?}` | `ephemera reap --plan-hash <planHash> [--dry-run] --json` | no | **yes** | **no** |");
  });

  it("list every field of the engine's config, its default and the setting it is read from", () => {
    const config = SECTIONS["reaper-config"]!();
    for (const field of [...Object.keys(DEFAULT_REAPER_CONFIG), "auditBucket", "notificationTopicArn"]) expect(config).toContain(`| \`${field}\` |`);
    expect(config).toContain(`| \`leaseMs\` | 5 minutes | \`${SETTINGS.leaseSeconds.env}\` |`);
    expect(config).toContain("| `auditBucket` | (required) |");
    expect([inWords(3_600_000), inWords(30_000), inWords(14 * 86_400_000), inWords(1500)]).toEqual(["1 hour", "30 seconds", "14 days", "1500 milliseconds"]);
  });

  it("list every tag key, every reason admit refuses, and props with their defaults", () => {
    const tags = SECTIONS["tag-schema"]!();
    for (const key of Object.values(TAG)) expect(tags).toContain(`| \`${key}\` |`);
    const limits = SECTIONS["admission-limits"]!();
    expect(limits).toContain(`| \`max-ttl\` | \`--ttl\` is over the max TTL | \`${SETTINGS.maxTtl.env}\` (14d) |`);
    expect(limits.indexOf("`account-guard`")).toBeLessThan(limits.indexOf("`max-ttl`"));
    expect(SECTIONS["audit-bucket-props"]!()).toContain("| `retentionDays` | `365` |");
    expect(SECTIONS["audit-bucket-policy"]!()).toContain("| `WriteEachKeyOnce` | `s3:PutObject` |");
    expect(SECTIONS["environment-outputs"]!()).toContain("| `database_source` |");
    expect(SECTIONS["test-tiers"]!()).toContain("| unit (`test/unit/`) |");
  });
});
