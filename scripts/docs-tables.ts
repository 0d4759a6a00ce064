/**
 * The tables in docs/ that are derived from code, so a default or an IAM action is
 * written in one place: the kind catalog, the CLI and Lambda settings, the inputs
 * of the environment and cluster stacks, what the spend meter's shipped price table covers, and the reaper's layers (reaper-layers.json, which
 * the lint enforces). `npm run generate` rewrites them between their
 * `<!-- generated:<name> -->` markers; a unit test fails when a page is out of date.
 * The renderers of docs-tables/ (sections.ts) write the shipped prices and the rest: the
 * MCP tools, the engine's config, construct props, the tag schema, an environment's outputs,
 * the audit bucket's policy, admit's refusals and the test tiers, mostly from doc comments.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { KIND_CATALOG, KIND_NAMES } from "../reaper/contracts/kind-catalog";
import type { KindRow } from "../reaper/contracts/kind-row";
import { reaperPolicy } from "../constructs/private/reaper-policy";
import { SETTINGS, type SettingSpec } from "../reaper/model";
import { CLUSTER_INPUTS } from "../stacks/cluster-config";
import { ENVIRONMENT_INPUTS, type Input } from "../stacks/environment-config";
import { code, table } from "./docs-tables/markdown";
import { SECTIONS } from "./docs-tables/sections";

export const DOCS_DIR = path.join(__dirname, "..", "docs");

/** Page (relative to docs/) → the generated sections it holds. */
export const GENERATED_PAGES: Readonly<Record<string, readonly string[]>> = {
  "kinds.md": ["kinds", "kinds-how", "kinds-iam"],
  "spend.md": ["shipped-prices"],
  "cli.md": ["settings"],
  "deploying.md": ["environment-inputs", "environment-outputs", "cluster-inputs", "reaper-policy"],
  "mcp.md": ["mcp-tools"],
  "reaper.md": ["reaper-config"],
  "constructs.md": ["tag-schema", "audit-bucket-props", "audit-bucket-policy", "platform-budget-props", "warm-database-pool-props"],
  "admission.md": ["admission-limits"],
  "testing.md": ["test-tiers"],
  "adding-a-kind.md": ["adapter-example"],
  "architecture.md": ["layers"],
};

export function generatedSection(name: string): string {
  switch (name) {
    case "kinds":
      return table(
        ["kind", "what", "delete phase", "pause phase", "holds data", "spend metered"],
        KIND_NAMES.map((kind) => {
          const row: KindRow = KIND_CATALOG[kind];
          return [
            code(kind),
            row.what,
            code(row.deletePhase),
            row.pausePhase === undefined ? "(not paused)" : code(row.pausePhase),
            row.holdsData ? "yes: final snapshot on `snapshot-delete`" : "no",
            row.metered ? "yes" : "no",
          ];
        }),
      );
    case "kinds-how":
      return table(
        ["kind", "how it is found", "pause / resume", "delete"],
        KIND_NAMES.map((kind) => {
          const { how } = KIND_CATALOG[kind] as KindRow;
          return [code(kind), how.find, how.pause ?? "(none)", how.delete];
        }),
      );
    case "kinds-iam":
      return table(
        ["kind", "discover", "tag", "pause and resume", "delete", "warm pool (restore, claim)", "checkpoint and rollback (the operator's)", "Kubernetes RBAC"],
        KIND_NAMES.map((kind) => {
          const row = KIND_CATALOG[kind] as KindRow;
          const column = (name: IamColumn) => {
            const grants = (Object.keys(IAM_COLUMN_OF) as GrantName[]).filter((grant) => IAM_COLUMN_OF[grant] === name).map((grant) => row.iam[grant]?.actions ?? []);
            const actions = [...new Set([...(name === "discover" ? row.iam.discover : []), ...grants.flat()])];
            return actions.length === 0 ? "-" : actions.map(code).join(", ");
          };
          const rbac = (row.kubernetesRbac ?? []).map((rule) => `${code(rule.apiGroup === "" ? rule.resources.join(", ") : rule.resources.map((r) => `${rule.apiGroup}/${r}`).join(", "))}: ${rule.verbs.join(", ")}`);
          return [code(kind), ...IAM_COLUMNS.map(column), rbac.length === 0 ? "-" : rbac.join("; ")];
        }),
      );
    case "settings":
      return table(
        ["variable", "flag", "default", "meaning"],
        (Object.values(SETTINGS) as SettingSpec[]).map((s) => [code(s.env), s.negatable ? `${code(s.flag)} / ${code(`--no-${s.flag.slice(2)}`)}` : code(s.flag), s.defaultText, s.description]),
      );
    case "adapter-example":
      return ["```typescript", fs.readFileSync(path.join(DOCS_DIR, "..", "reaper", "kinds", "security-group.ts"), "utf8").trimEnd(), "```"].join("\n");
    case "reaper-policy":
      return table(
        ["statement", "effect", "actions", "on", "condition"],
        reaperPolicy(POLICY_OF_THE_DOCS).Statement.map((st) => [
          code(st.Sid),
          st.Effect === "Deny" ? "**Deny**" : "Allow",
          st.Action.map(code).join(", "),
          [st.Resource].flat().map(code).join(", "),
          Object.entries(st.Condition ?? {})
            .flatMap(([operator, tests]) => Object.entries(tests).map(([key, value]) => `${operator} ${code(key)} = ${[value].flat().map(code).join(", ")}`))
            .join("; ") || "-",
        ]),
      );
    case "environment-inputs":
      return inputsTable(ENVIRONMENT_INPUTS);
    case "cluster-inputs":
      return inputsTable(CLUSTER_INPUTS);
    case "layers":
      return layerTable(REAPER_LAYERING);
    default:
      // The sections whose renderers are in docs-tables/ (sections.ts).
      if (Object.hasOwn(SECTIONS, name)) return SECTIONS[name]!();
      throw new Error(`no generated section named ${JSON.stringify(name)}`);
  }
}

/** A stack's inputs as docs/deploying.md lists them. */
function inputsTable(inputs: readonly Input[]): string {
  return table(
    ["input", "required", "meaning", "example"],
    inputs.map((i) => [code(i.name), i.required ? "yes" : (i.requiredWhen ?? ""), i.what, code(i.example)]),
  );
}

/** The reaper's policy as docs/deploying.md shows it: every option on, names as placeholders. */
const POLICY_OF_THE_DOCS = {
  partition: "aws",
  region: "<region>",
  accountId: "<account>",
  auditBucketName: "<audit-bucket>",
  auditKmsKeyArn: "<audit-key-arn>",
  logGroupArn: "arn:aws:logs:<region>:<account>:log-group:/aws/lambda/<function>",
  deadLetterQueueArn: "arn:aws:sqs:<region>:<account>:<function>-dlq",
  publishTopicArns: ["<notification-topic-arn>"],
  deletableBucketNames: ["<deletableBucketNames>"],
  schedulerRoleArn: "<scheduler-role-arn>",
  pool: { subnetGroupName: "<pool-subnet-group>", vpcId: "<pool-vpc>", baseline: { sourceDbInstance: "<baseline-instance>" } },
} as const;

type GrantName = Exclude<keyof KindRow["iam"], "discover">;
const IAM_COLUMNS = ["discover", "tag", "pause", "delete", "pool", "checkpoint"] as const;
type IamColumn = (typeof IAM_COLUMNS)[number];
/** The column of docs/kinds.md's IAM table each grant of a row is listed in: a new grant will not compile until it has one. */
const IAM_COLUMN_OF: Readonly<Record<GrantName, IamColumn>> = {
  read: "discover",
  tag: "tag",
  pause: "pause",
  delete: "delete",
  finalSnapshot: "delete",
  deleteDependents: "delete",
  restore: "pool",
  restoreTags: "pool",
  restoreSecurityGroup: "pool",
  restoreSecurityGroupTags: "pool",
  credentials: "pool",
  credentialsSecret: "pool",
  checkpoint: "checkpoint",
  checkpointSnapshot: "checkpoint",
  rollback: "checkpoint",
  rollbackRestore: "checkpoint",
  rollbackSource: "checkpoint",
  rollbackGroups: "checkpoint",
  rollbackFinalSnapshot: "checkpoint",
  rollbackSecret: "checkpoint",
  credentialsValue: "pool",
};

/** reaper-layers.json: the reaper's layering, which eslint.config.mjs enforces and docs/architecture.md's layer table shows. */
export interface ReaperLayering {
  /** The folders of reaper/, bottom to top, one array per row. */
  readonly layers: readonly (readonly { readonly folder: string; readonly holds: string }[])[];
  /** Folders that may import less than every row below theirs (besides themselves). */
  readonly narrower: Readonly<Record<string, { readonly mayImport?: readonly string[]; readonly mayImportBelow?: string; readonly typesOnly?: readonly string[]; readonly why: string }>>;
  /** Source folders outside reaper/ under the same lint rule, and what they may import besides themselves. */
  readonly outsideReaper: Readonly<Record<string, { readonly holds: string; readonly mayImport: readonly string[]; readonly why: string }>>;
}

export const REAPER_LAYERING: ReaperLayering = JSON.parse(fs.readFileSync(path.join(DOCS_DIR, "..", "reaper-layers.json"), "utf8")) as ReaperLayering;

/** Each reaper folder's row (1 is the bottom) and what it may import besides itself, computed as eslint.config.mjs computes it. */
export function reaperImports(layering: ReaperLayering): Record<string, { readonly row: number; readonly folders: readonly string[]; readonly typesOnly: readonly string[] }> {
  const rows = layering.layers.map((row) => row.map((entry) => entry.folder));
  const rowOf = (folder: string) => {
    const index = rows.findIndex((row) => row.includes(folder));
    if (index < 0) throw new Error(`reaper-layers.json names ${JSON.stringify(folder)}, which is in no row of layers`);
    return index;
  };
  const below = (folder: string) => rows.slice(0, rowOf(folder)).flat();
  return Object.fromEntries(
    rows.flat().map((folder) => {
      const rule = layering.narrower[folder];
      const folders = rule === undefined ? below(folder) : rule.mayImportBelow !== undefined ? below(rule.mayImportBelow) : (rule.mayImport ?? []);
      return [folder, { row: rowOf(folder) + 1, folders, typesOnly: rule?.typesOnly ?? [] }];
    }),
  );
}

/** One row per folder: reaper/'s bottom to top, then the engine's API and the folders outside reaper/ the rule covers. */
function layerTable(layering: ReaperLayering): string {
  const imports = reaperImports(layering);
  const list = (folders: readonly string[]) => folders.map(code).join(", ");
  const rowsUpTo = (folders: readonly string[]) => {
    const rows = folders.map((folder) => imports[folder]!.row);
    const last = Math.max(...rows);
    return `${last === 1 ? "row 1" : `rows 1–${last}`} (${folders.length === 1 ? code(folders[0]!) : `${code(folders[0]!)} … ${code(folders[folders.length - 1]!)}`})`;
  };
  const mayImport = (folder: string) => {
    const { folders, typesOnly } = imports[folder]!;
    const rule = layering.narrower[folder];
    if (rule === undefined) return folders.length === 0 ? "nothing" : rowsUpTo(folders);
    const allowed = rule.mayImportBelow === undefined ? `only ${list(folders)}` : `${rowsUpTo(folders)}, not ${code(rule.mayImportBelow)}`;
    return `${allowed}${typesOnly.length === 0 ? "" : `, and ${list(typesOnly)} as types only (\`import type\`)`}: ${rule.why}`;
  };
  return table(
    ["row", "folder", "holds", "may import (besides itself)"],
    [
      ...layering.layers.flatMap((row, index) => row.map(({ folder, holds }) => [String(index + 1), code(`reaper/${folder}/`), holds, mayImport(folder)])),
      ["top", code("reaper/index.ts"), "the engine's public API", "every folder of `reaper/` (the rest of the top of `reaper/` imports nothing)"],
      ...Object.entries(layering.outsideReaper).map(([folder, rule]) => [
        "outside",
        code(`${folder}/`),
        rule.holds,
        `${list(rule.mayImport.map((to) => (imports[to] === undefined ? `${to}/` : `reaper/${to}/`)))} only: ${rule.why}`,
      ]),
    ],
  );
}

/** `markdown` with every generated section it marks replaced by today's content. */
export function withGeneratedSections(markdown: string, sections: readonly string[]): string {
  let out = markdown;
  for (const name of sections) {
    const start = `<!-- generated:${name} -->\n`;
    const end = `<!-- /generated:${name} -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`the page has no ${start.trim()} … ${end} markers`);
    out = out.slice(0, from + start.length) + generatedSection(name) + "\n" + out.slice(to);
  }
  return out;
}
