/**
 * The tables in docs/ that are derived from code, so a default or an IAM action is
 * written in one place: the kind catalog, the CLI and Lambda settings, the inputs
 * of an environment stack, and what the spend meter's shipped price table covers. `npm run docs` rewrites them between their
 * `<!-- generated:<name> -->` markers; a unit test fails when a page is out of date.
 */
import * as path from "node:path";
import { KIND_CATALOG, KIND_NAMES, type KindRow } from "../reaper/contracts/kind-catalog";
import { SETTINGS, type SettingSpec } from "../reaper/model";
import { SHIPPED_PRICES, shippedPriceKeys } from "../reaper/spend/shipped-prices";
import { ENVIRONMENT_INPUTS } from "../stacks/environment-config";

export const DOCS_DIR = path.join(__dirname, "..", "docs");

/** Page (relative to docs/) → the generated sections it holds. */
export const GENERATED_PAGES: Readonly<Record<string, readonly string[]>> = {
  "kinds.md": ["kinds", "kinds-iam"],
  "spend.md": ["shipped-prices"],
  "cli.md": ["settings"],
  "deploying.md": ["environment-inputs"],
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
    case "kinds-iam":
      return table(
        ["kind", "discover", "tag", "pause and resume", "delete", "warm pool (restore, claim)"],
        KIND_NAMES.map((kind) => {
          const { iam } = KIND_CATALOG[kind] as KindRow;
          const actions = (list: readonly string[] | undefined) => (list === undefined || list.length === 0 ? "-" : list.map(code).join(", "));
          return [
            code(kind),
            actions([...iam.discover, ...(iam.read?.actions ?? [])]),
            actions(iam.tag?.actions),
            actions(iam.pause?.actions),
            actions([...(iam.delete?.actions ?? []), ...(iam.finalSnapshot?.actions ?? []).filter((a) => !(iam.delete?.actions ?? []).includes(a))]),
            actions([...(iam.restore?.actions ?? []), ...(iam.restoreTags?.actions ?? []), ...(iam.credentials?.actions ?? []), ...(iam.credentialsSecret?.actions ?? [])]),
          ];
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
    case "environment-inputs":
      return table(
        ["input", "required", "meaning", "example"],
        ENVIRONMENT_INPUTS.map((i) => [code(i.name), i.required ? "yes" : (i.requiredWhen ?? ""), i.what, code(i.example)]),
      );
    default:
      throw new Error(`no generated section named ${JSON.stringify(name)}`);
  }
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

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

function code(text: string): string {
  return `\`${text}\``;
}
