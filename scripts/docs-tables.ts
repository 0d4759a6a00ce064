/**
 * The tables in docs/ that are derived from code, so a default or an IAM action is
 * written in one place: the kind catalog, the CLI and Lambda settings, the inputs
 * of an environment stack, and what the spend meter's shipped price table covers. `npm run generate` rewrites them between their
 * `<!-- generated:<name> -->` markers; a unit test fails when a page is out of date.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { KIND_CATALOG, KIND_NAMES } from "../reaper/contracts/kind-catalog";
import type { KindRow } from "../reaper/contracts/kind-row";
import { reaperPolicy } from "../constructs/private/reaper-policy";
import { SETTINGS, type SettingSpec } from "../reaper/model";
import { SHIPPED_PRICES, shippedPriceKeys } from "../reaper/spend/shipped-prices";
import { ENVIRONMENT_INPUTS } from "../stacks/environment-config";

export const DOCS_DIR = path.join(__dirname, "..", "docs");

/** Page (relative to docs/) → the generated sections it holds. */
export const GENERATED_PAGES: Readonly<Record<string, readonly string[]>> = {
  "kinds.md": ["kinds", "kinds-how", "kinds-iam"],
  "spend.md": ["shipped-prices"],
  "cli.md": ["settings"],
  "deploying.md": ["environment-inputs", "reaper-policy"],
  "adding-a-kind.md": ["adapter-example"],
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
        ["kind", "discover", "tag", "pause and resume", "delete", "warm pool (restore, claim)", "Kubernetes RBAC"],
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
    case "shipped-prices": {
      const keys = shippedPriceKeys().map((key) => key.split(" "));
      const distinct = (kind: string, pick: (parts: string[]) => string) => [...new Set(keys.filter((k) => k[0] === kind).map(pick))].sort().map(code).join(", ");
      return [
        `- **Source**: ${SHIPPED_PRICES.source}`,
        `- **As of**: ${SHIPPED_PRICES.asOf}`,
        `- **Regions**: ${distinct("ec2", (k) => k[1]!)}`,
        `- **EC2 instance types** (Linux, on-demand): ${distinct("ec2", (k) => k[2]!)}`,
        `- **RDS classes** (${distinct("rds", (k) => k[2]!)}; single- and multi-AZ): ${distinct("rds", (k) => k[3]!)}`,
        `- **RDS storage** (per GB-month): ${distinct("rds-storage", (k) => k[2]!)}`,
      ].join("\n");
    }
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
      return table(
        ["input", "required", "meaning", "example"],
        ENVIRONMENT_INPUTS.map((i) => [code(i.name), i.required ? "yes" : (i.requiredWhen ?? ""), i.what, code(i.example)]),
      );
    default:
      throw new Error(`no generated section named ${JSON.stringify(name)}`);
  }
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
  pool: { subnetGroupName: "<pool-subnet-group>", baseline: { sourceDbInstance: "<baseline-instance>" } },
} as const;

type GrantName = Exclude<keyof KindRow["iam"], "discover">;
const IAM_COLUMNS = ["discover", "tag", "pause", "delete", "pool"] as const;
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
  credentials: "pool",
  credentialsSecret: "pool",
};

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

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function code(text: string): string {
  return `\`${text}\``;
}
