/** docs/reaper.md's table of the engine's configuration: `ReaperConfig`'s fields, their defaults and the settings that set them. */
import ts from "typescript";
import { DEFAULT_REAPER_CONFIG } from "../../reaper/config/reaper-config";
import { SETTINGS, type SettingName } from "../../reaper/model";
import { code, table } from "./markdown";
import { defaultText, fullDoc } from "./props-table";
import { type DocMember, findNode, interfaceMembers } from "./ts-docs";

const CONFIG_FILE = "reaper/config/reaper-config.ts";
const SETTINGS_FILE = "reaper/config/read-settings.ts";

/** `| field | default | setting | meaning |`: a row per field of `ReaperConfig`, the default from `DEFAULT_REAPER_CONFIG`. */
export function reaperConfigTable(): string {
  const settingOf = settingsOfConfigFields();
  return table(
    ["field", "default", "setting", "meaning"],
    interfaceMembers(CONFIG_FILE, "ReaperConfig").map((member) => {
      const setting = settingOf.get(member.name);
      return [code(member.name), configDefault(member), setting === undefined ? "-" : code(SETTINGS[setting].env), fullDoc(CONFIG_FILE, member)];
    }),
  );
}

/** The default `reaperConfig` fills in: a duration (a field in ms) in words, a value as code; the doc's `@default` where there is no value to show. */
function configDefault(member: DocMember): string {
  const value: unknown = (DEFAULT_REAPER_CONFIG as Readonly<Record<string, unknown>>)[member.name];
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return defaultText(member);
  if (typeof value === "number" && member.name.endsWith("Ms")) return inWords(value);
  return code(String(value));
}

const UNITS: readonly (readonly [string, number])[] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
  ["second", 1000],
  ["millisecond", 1],
];

/** 3600000 → "1 hour", 1209600000 → "14 days": the largest unit the duration is a whole number of. */
export function inWords(ms: number): string {
  const [unit, size] = UNITS.find(([, size]) => ms % size === 0)!;
  const count = ms / size;
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

/**
 * The setting each field is read from, as read-settings.ts's `reaperConfigOf` builds the
 * config: the `values.<setting>` in each field's value.
 */
function settingsOfConfigFields(): Map<string, SettingName> {
  const builder = findNode(SETTINGS_FILE, "function reaperConfigOf", (n): n is ts.FunctionDeclaration => ts.isFunctionDeclaration(n) && n.name?.text === "reaperConfigOf");
  const fields = new Map<string, SettingName>();
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name)) {
      const setting = settingRead(node.initializer);
      if (setting !== undefined) fields.set(node.name.text, setting);
    }
    node.forEachChild(visit);
  };
  visit(builder);
  if (fields.size === 0) throw new Error(`${SETTINGS_FILE}: reaperConfigOf reads no values.<setting>`);
  return fields;
}

function settingRead(node: ts.Node): SettingName | undefined {
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "values" && node.name.text in SETTINGS) {
    return node.name.text as SettingName;
  }
  return node.forEachChild(settingRead);
}
