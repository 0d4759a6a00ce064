import * as fs from "node:fs";
import * as path from "node:path";
import { emptyDirectory, installedCopies, npmInstall, packEphemera, run } from "../../../harness/package";
import { REPO_ROOT } from "../../../harness/paths";
import { TAG } from "../../../reaper/model";

/**
 * What examples/import-into-existing-repo/README.md tells a user to do: pack Ephemera into
 * the app as ephemera.tgz, install the app, build it and run it (what `cdktf synth` runs).
 * In a copy of the folder, with the repository's TypeScript compiler and Node type
 * declarations (the app's devDependencies, cdktf-cli among them, are not installed).
 */
const EXAMPLE = path.join(REPO_ROOT, "examples/import-into-existing-repo");
let dir: string;
let app: string;

beforeAll(async () => {
  dir = emptyDirectory("ephemera-example-");
  app = path.join(dir, "app");
  fs.cpSync(EXAMPLE, app, { recursive: true, filter: (src) => !/(node_modules|dist|cdktf\.out|\.tgz)$/.test(src) });
  fs.renameSync(await packEphemera(dir), path.join(app, "ephemera.tgz"));
  await npmInstall(app, ["--omit=dev"]);
}, 600_000);

afterAll(() => {
  if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the import-into-existing-repo example, installed from the packed package", () => {
  it("has one copy of cdktf and of constructs: the app's", () => {
    expect(installedCopies(app, "cdktf")).toEqual([path.join(app, "node_modules", "cdktf")]);
    expect(installedCopies(app, "constructs")).toEqual([path.join(app, "node_modules", "constructs")]);
    expect(installedCopies(app, "ephemera")).toEqual([path.join(app, "node_modules", "ephemera")]);
  });

  it("compiles and synthesizes a whole, tagged environment", async () => {
    const tsc = path.join(REPO_ROOT, "node_modules/typescript/bin/tsc");
    const compiled = await run(process.execPath, [tsc, "-p", "tsconfig.json", "--typeRoots", path.join(REPO_ROOT, "node_modules/@types")], { cwd: app });
    expect(compiled).toMatchObject({ code: 0, stderr: "" });
    const synth = await run(process.execPath, ["dist/main.js"], { cwd: app, env: { ...process.env, PREVIEW_ENV: "pr-7", PREVIEW_TTL: "4h" } });
    expect(synth.stderr).toBe("");
    expect(synth.code).toBe(0);
    type Blocks = Record<string, Record<string, Record<string, unknown>>>;
    const tf = JSON.parse(fs.readFileSync(path.join(app, "cdktf.out/stacks/preview-pr-7/cdk.tf.json"), "utf8")) as { resource: Blocks };
    for (const type of ["aws_eks_node_group", "aws_db_instance", "aws_budgets_budget", "kubernetes_namespace_v1"]) expect(Object.keys(tf.resource[type] ?? {})).toHaveLength(1);
    // Tags come from an Aspect: with a second copy of cdktf they would be missing, without an error.
    const [budget] = Object.values(tf.resource.aws_budgets_budget!) as { tags: Record<string, string> }[];
    expect(budget!.tags).toMatchObject({ [TAG.managedBy]: "ephemera", [TAG.env]: "pr-7", [TAG.ttl]: "4h" });
  });
});
