/** docs/admission.md's table of the reasons `ephemera admit` refuses. */
import ts from "typescript";
import { SETTING_DEFAULTS, SETTINGS, type SettingName } from "../../reaper/model";
import { code, table } from "./markdown";
import { summaryOf } from "./props-table";
import { findNode, unionMembers } from "./ts-docs";

const FILE = "reaper/admission/admit-environment.ts";

/**
 * `| limit | refused when | setting (default) |`: the members of `AdmitResult.limit`, in
 * their order (the order admit checks them), each with its comment and its `@setting`.
 */
export function admissionLimitsTable(): string {
  const limit = findNode(FILE, "AdmitResult.limit", (n): n is ts.PropertySignature => ts.isPropertySignature(n) && ts.isIdentifier(n.name) && n.name.text === "limit");
  if (limit.type === undefined) throw new Error(`${FILE}: AdmitResult.limit has no type`);
  return table(
    ["`limit`", "refused when", "setting (default)"],
    unionMembers(FILE, limit.type).map((member) => {
      const setting = member.doc.tags.setting as SettingName | undefined;
      if (setting !== undefined && !(setting in SETTINGS)) throw new Error(`${FILE}: limit ${member.name} names no setting ${setting}`);
      return [code(member.name), summaryOf(FILE, member), setting === undefined ? "-" : settingWithDefault(setting)];
    }),
  );
}

/** `EPHEMERA_MAX_TTL` (14d): the variable, and its default. */
function settingWithDefault(setting: SettingName): string {
  const value = (SETTING_DEFAULTS as Readonly<Record<string, unknown>>)[setting] ?? SETTINGS[setting].defaultText;
  return `${code(SETTINGS[setting].env)} (${String(value)})`;
}
