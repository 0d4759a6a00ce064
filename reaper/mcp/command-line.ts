import { SETTINGS, type SettingName } from "../model";
import type { SettingOverrides } from "../config/read-settings";

/** One tool call in the CLI's words. */
export interface CliCall {
  /** The command, as typed after `ephemera`. */
  readonly command: string;
  /** Its options, each one word (`--owner=a@b`, `--dry-run`). */
  readonly options?: readonly string[];
  /** Its positional arguments: they go after `--`, so an argument such as "--help" is never read as an option. */
  readonly positionals?: readonly string[];
  /** What the command reads on stdin (`trace append` reads its records there). @default - nothing */
  readonly stdin?: string;
}

/** `--<name>=<value>`, or nothing without a value: a value that starts with "-" stays the value. */
export function option(name: string, value: string | number | undefined): string[] {
  return value === undefined ? [] : [`--${name}=${value}`];
}

/** `--<name>` when on; nothing otherwise (a tool never turns off a setting such as EPHEMERA_DRY_RUN=true). */
export function flag(name: string, on: boolean | undefined): string[] {
  return on === true ? [`--${name}`] : [];
}

/** The whole argv for runCli: the command, its options, `--json`, the server's configuration flags, then `--` and the positionals. */
export function commandLine(call: CliCall, configFlags: readonly string[] = []): string[] {
  return [call.command, ...(call.options ?? []), "--json", ...configFlags, "--", ...(call.positionals ?? [])];
}

/**
 * The configuration flags `ephemera mcp` was started with, written again for each tool
 * call (`--audit-bucket=acme-audit`): every call reads the settings the server was given.
 * `--dry-run` is not a configuration flag (EPHEMERA_DRY_RUN is, and reaches every call).
 */
export function configFlags(overrides: SettingOverrides): string[] {
  return (Object.keys(overrides) as SettingName[]).flatMap((name) => {
    const value = overrides[name];
    return name === "dryRun" || typeof value !== "string" ? [] : [`${SETTINGS[name].flag}=${value}`];
  });
}
