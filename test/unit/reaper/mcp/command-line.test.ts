import { parseCommand } from "../../../../reaper/cli/parse-command";
import { commandLine, configFlags, flag, option } from "../../../../reaper/mcp/command-line";
import { EPHEMERA_TOOLS } from "../../../../reaper/mcp/ephemera-tools";

const tool = (name: string) => EPHEMERA_TOOLS.find((t) => t.name === name)!;
const argvOf = (name: string, args: Record<string, unknown>, config: string[] = []) => commandLine(tool(name).call(args), config);

describe("the trace tools' command lines", () => {
  test("record_decision pipes its records to trace append as JSON lines, time given to those without one; it never passes an agent", () => {
    const call = tool("record_decision").call({ env: "pr-1", records: [{ step: "a" }, { step: "b", time: "2026-05-01T13:00:00Z" }], time: "2026-05-01T12:00:00Z" });
    expect(commandLine(call)).toEqual(["trace", "--json", "--", "append", "pr-1"]);
    expect(call.stdin!.split("\n").map((line) => JSON.parse(line))).toEqual([
      { step: "a", time: "2026-05-01T12:00:00Z" },
      { step: "b", time: "2026-05-01T13:00:00Z" },
    ]);
    expect(tool("record_decision").call({ env: "pr-1", message: "chose B" }).stdin).toBe('{"message":"chose B"}');
    expect(parseCommand(commandLine(call))).toEqual({ name: "trace-append", env: "pr-1", json: true, overrides: {} });
  });

  test("record_decision needs exactly one of message and records; show_trace passes --since", () => {
    const check = tool("record_decision").check!;
    expect(check({ env: "pr-1" })).toMatch(/^give message \(one record\) or records \(several\), exactly one of them/);
    expect(check({ env: "pr-1", message: "a", records: [{}] })).toMatch(/exactly one of them/);
    expect(check({ env: "pr-1", records: [] })).toMatch(/^records is empty/);
    expect(check({ env: "PR-1", message: "a" })).toMatch(/^ephemera: env "PR-1" has uppercase letters/);
    expect(check({ env: "pr-1", message: "a" })).toBeUndefined();
    expect(argvOf("show_trace", { env: "pr-1", since: "2026-05-01T12:00:00Z" })).toEqual(["trace", "--since=2026-05-01T12:00:00Z", "--json", "--", "show", "pr-1"]);
  });
});

describe("a tool call's command line", () => {
  test("is the command, its options, --json, the server's configuration flags, then -- and the positionals", () => {
    expect(commandLine({ command: "extend", options: ["--dry-run"], positionals: ["pr-1", "4h"] }, ["--max-ttl=3d"])).toEqual([
      "extend",
      "--dry-run",
      "--json",
      "--max-ttl=3d",
      "--",
      "pr-1",
      "4h",
    ]);
    expect(commandLine({ command: "ls" })).toEqual(["ls", "--json", "--"]);
  });

  test("options are one word each, so a value that starts with '-' stays the value; flags appear only when true", () => {
    expect(option("owner", "-x")).toEqual(["--owner=-x"]);
    expect(option("budget-usd", 12.5)).toEqual(["--budget-usd=12.5"]);
    expect(option("now", undefined)).toEqual([]);
    expect(flag("dry-run", true)).toEqual(["--dry-run"]);
    expect(flag("dry-run", false)).toEqual([]);
    expect(flag("dry-run", undefined)).toEqual([]);
  });

  test("each tool maps its arguments onto its CLI command", () => {
    expect(argvOf("list_environments", {})).toEqual(["ls", "--json", "--"]);
    expect(argvOf("list_environments", { now: "2026-05-01T12:00:00Z" })).toEqual(["ls", "--now=2026-05-01T12:00:00Z", "--json", "--"]);
    expect(argvOf("describe_environment", { env: "pr-1" })).toEqual(["ls", "--json", "--"]);
    expect(argvOf("admit_environment", { env: "pr-1", owner: "team@example.com", ttl: "4h", budgetUsd: 25 })).toEqual([
      "admit",
      "--owner=team@example.com",
      "--ttl=4h",
      "--budget-usd=25",
      "--json",
      "--",
      "pr-1",
    ]);
    expect(argvOf("admit_environment", { env: "pr-1", owner: "team@example.com" })).toEqual(["admit", "--owner=team@example.com", "--json", "--", "pr-1"]);
    expect(argvOf("admit_environment", { env: "pr-1", owner: "team@example.com", isolation: "gvisor" })).toEqual(["admit", "--owner=team@example.com", "--isolation=gvisor", "--json", "--", "pr-1"]);
    expect(argvOf("extend_environment", { env: "pr-1", duration: "4h" })).toEqual(["extend", "--json", "--", "pr-1", "4h"]);
    expect(argvOf("pause_environment", { env: "pr-1", dryRun: true })).toEqual(["pause", "--dry-run", "--json", "--", "pr-1"]);
    expect(argvOf("resume_environment", { env: "pr-1", dryRun: false })).toEqual(["resume", "--json", "--", "pr-1"]);
    expect(argvOf("release_environment", { env: "pr-1", dryRun: true })).toEqual(["release", "--dry-run", "--json", "--", "pr-1"]);
    // confirm is checked by the server, not passed on; discardData is release's --discard-data.
    expect(argvOf("release_environment", { env: "pr-1", confirm: "pr-1", discardData: true })).toEqual(["release", "--discard-data", "--json", "--", "pr-1"]);
    expect(argvOf("pause_environment", { env: "pr-1", confirm: "pr-1" })).toEqual(["pause", "--json", "--", "pr-1"]);
    expect(argvOf("plan_reap", {})).toEqual(["reap", "--plan-out=-", "--json", "--"]);
    expect(argvOf("plan_reap", { env: "pr-1" })).toEqual(["reap", "--plan-out=-", "--env=pr-1", "--json", "--"]);
    expect(argvOf("plan_reap", { env: "pr-1", now: "2026-05-01T12:00:00Z" })).toEqual(["reap", "--dry-run", "--env=pr-1", "--now=2026-05-01T12:00:00Z", "--json", "--"]);
    expect(argvOf("execute_reap_plan", { planHash: "ab".repeat(32), confirm: "ab".repeat(32) })).toEqual(["reap", `--plan-hash=${"ab".repeat(32)}`, "--json", "--"]);
    expect(argvOf("execute_reap_plan", { planHash: "ab".repeat(32), dryRun: true })).toEqual(["reap", `--plan-hash=${"ab".repeat(32)}`, "--dry-run", "--json", "--"]);
    expect(argvOf("claim_database", { env: "pr-1", owner: "team@example.com", ttl: "4h" })).toEqual(["claim", "--owner=team@example.com", "--ttl=4h", "--json", "--", "pr-1"]);
    expect(argvOf("verify_audit", {})).toEqual(["audit", "--json", "--", "verify"]);
    expect(argvOf("verify_audit", { runId: "20260501T120000Z-3f9a1c2b" })).toEqual(["audit", "--run=20260501T120000Z-3f9a1c2b", "--json", "--", "verify"]);
    expect(argvOf("provisioning_status", {})).toEqual(["provisioning", "--json", "--", "status"]);
  });

  test("the CLI reads each command line as the command the tool means, with --json and the server's settings", () => {
    const config = ["--max-ttl=3d", "--audit-bucket=acme-audit"];
    const overrides = { maxTtl: "3d", auditBucket: "acme-audit" };
    expect(parseCommand(argvOf("list_environments", { now: "2026-05-01T12:00:00Z" }, config))).toEqual({
      name: "ls",
      json: true,
      overrides,
      now: new Date("2026-05-01T12:00:00Z"),
    });
    expect(parseCommand(argvOf("extend_environment", { env: "pr-1", duration: "4h", dryRun: true }, config))).toEqual({
      name: "extend",
      json: true,
      overrides: { ...overrides, dryRun: true },
      env: "pr-1",
      duration: "4h",
      by: 4 * 3_600_000,
    });
    expect(parseCommand(argvOf("pause_environment", { env: "pr-1" }, config))).toEqual({ name: "pause", json: true, overrides, env: "pr-1" });
    expect(parseCommand(argvOf("resume_environment", { env: "pr-1" }))).toEqual({ name: "resume", json: true, overrides: {}, env: "pr-1" });
    expect(parseCommand(argvOf("plan_reap", { env: "pr-1" }))).toEqual({ name: "reap", json: true, overrides: {}, env: "pr-1", allowSimulatedClock: false, planOut: "-" });
    expect(parseCommand(argvOf("plan_reap", { env: "pr-1", now: "2026-05-01T12:00:00Z" }))).toMatchObject({ name: "reap", overrides: { dryRun: true }, now: new Date("2026-05-01T12:00:00Z") });
    expect(parseCommand(argvOf("execute_reap_plan", { planHash: "ab".repeat(32), dryRun: true }))).toEqual({ name: "reap", json: true, overrides: { dryRun: true }, allowSimulatedClock: false, reviewed: { hash: "ab".repeat(32) } });
    expect(parseCommand(argvOf("claim_database", { env: "pr-1", owner: "team@example.com" }))).toEqual({
      name: "claim",
      json: true,
      overrides: {},
      env: "pr-1",
      owner: "team@example.com",
      ttl: "8h",
    });
    expect(parseCommand(argvOf("verify_audit", { runId: "20260501T120000Z-3f9a1c2b" }))).toEqual({
      name: "audit-verify",
      json: true,
      overrides: {},
      runId: "20260501T120000Z-3f9a1c2b",
    });
    expect(parseCommand(argvOf("release_environment", { env: "pr-1", confirm: "pr-1", discardData: true }))).toEqual({
      name: "release",
      json: true,
      overrides: {},
      env: "pr-1",
      discardData: true,
    });
  });

  test("an argument that looks like an option is an argument, refused with the CLI's own message", () => {
    expect(() => parseCommand(argvOf("pause_environment", { env: "--help" }))).toThrow(/"--help"/);
    expect(() => parseCommand(argvOf("extend_environment", { env: "pr-1", duration: "--allow-simulated-clock" }))).toThrow(/duration "--allow-simulated-clock"/);
    expect(() => parseCommand(argvOf("plan_reap", { env: "--allow-simulated-clock" }))).toThrow(/--env "--allow-simulated-clock"/);
  });
});

describe("the server's configuration flags", () => {
  test("are the settings given on `ephemera mcp`'s command line, written again as flags", () => {
    expect(configFlags({ auditBucket: "acme-audit", allowedAccounts: "123456789012", endpoint: "http://127.0.0.1:5000" })).toEqual([
      "--audit-bucket=acme-audit",
      "--allowed-accounts=123456789012",
      "--endpoint-url=http://127.0.0.1:5000",
    ]);
    expect(configFlags({})).toEqual([]);
  });

  test("leave out --dry-run, which is not a configuration flag (EPHEMERA_DRY_RUN reaches every call)", () => {
    expect(configFlags({ dryRun: true, region: "eu-west-1" })).toEqual(["--region=eu-west-1"]);
  });

  test("`ephemera mcp` takes them, and no arguments", () => {
    expect(parseCommand(["mcp", "--audit-bucket", "acme-audit", "--max-ttl", "3d"])).toEqual({ name: "mcp", json: false, overrides: { auditBucket: "acme-audit", maxTtl: "3d" } });
    expect(() => parseCommand(["mcp", "now"])).toThrow('ephemera mcp takes no arguments, but was also given "now"; e.g. ephemera mcp');
    expect(() => parseCommand(["mcp", "--dry-run"])).toThrow('unknown option --dry-run for "ephemera mcp"');
  });
});
