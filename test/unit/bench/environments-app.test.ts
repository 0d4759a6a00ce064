import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { environmentsApp, stubReaperBundle } from "../../../bench/environments-app";

// The app the synth benchmark (bench/synth-environments.ts) measures; no timing here.
describe("an app with 50 environment stacks", () => {
  let outdir: string;
  let reaperBundle: string;
  let stacks: Record<string, { terraform: { backend: { s3: { key: string } } }; resource: Record<string, Record<string, { name?: string; identifier?: string }>> }>;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), "ephemera-fifty-"));
    reaperBundle = stubReaperBundle();
    environmentsApp(50, outdir, reaperBundle).synth();
    const dir = path.join(outdir, "stacks");
    stacks = Object.fromEntries(fs.readdirSync(dir).map((name) => [name, JSON.parse(fs.readFileSync(path.join(dir, name, "cdk.tf.json"), "utf8"))]));
  });

  afterAll(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(reaperBundle, { recursive: true, force: true });
  });

  it("synthesizes all 50 environment stacks beside the platform stack", () => {
    const names = Object.keys(stacks);
    expect(names).toHaveLength(51);
    expect(names).toContain("ephemera-platform");
    for (let n = 1; n <= 50; n++) expect(names).toContain(`env-pr-${n}`);
  });

  it("gives every environment its own state key", () => {
    const keys = Object.entries(stacks)
      .filter(([name]) => name.startsWith("env-"))
      .map(([, tf]) => tf.terraform.backend.s3.key);
    expect(new Set(keys).size).toBe(50);
    expect(keys).toContain("ephemera/environments/pr-50/terraform.tfstate");
  });

  it("gives every environment's named resources names of their own", () => {
    const names = Object.entries(stacks)
      .filter(([name]) => name.startsWith("env-"))
      .flatMap(([, tf]) => [
        ...Object.values(tf.resource.aws_budgets_budget ?? {}).map((b) => `budget ${b.name}`),
        ...Object.values(tf.resource.aws_db_instance ?? {}).map((d) => `db ${d.identifier}`),
        ...Object.values(tf.resource.aws_iam_role ?? {}).map((r) => `role ${r.name}`),
      ]);
    expect(names).toHaveLength(50 * 4);
    expect(new Set(names).size).toBe(names.length);
  });
});
