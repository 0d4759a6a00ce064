import { runCli } from "../../../../reaper/cli/run-cli";

const ENV = { EPHEMERA_AUDIT_BUCKET: "acme-ephemera-audit", AWS_REGION: "us-east-1", EPHEMERA_ALLOWED_ACCOUNTS: "123456789012" };
const NOW = new Date("2026-05-01T12:00:00Z");

/** Runs the CLI in-process; none of these reach AWS (the endpoint is a closed port, so a stray call fails fast). */
async function run(argv: string[], env: Record<string, string> = ENV) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTTY: false }, {
    env: { ...env, AWS_ENDPOINT_URL: "http://127.0.0.1:9" },
    clock: () => NOW,
    runtime: { credentials: { accessKeyId: "test", secretAccessKey: "test" } },
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("the ephemera CLI before it reaches AWS", () => {
  test("--help prints the usage with the commands and the environment variables, and exits 0", async () => {
    const { code, out, err } = await run(["--help"]);
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toContain("Usage: ephemera <command>");
    expect(out).toContain("extend <env> <duration>");
    expect(out).toContain("EPHEMERA_AUDIT_BUCKET");
  });

  test("a command's --help prints that command's usage", async () => {
    const { code, out } = await run(["reap", "--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: ephemera reap/);
    expect(out).toContain("--allow-simulated-clock");
  });

  test("an unknown command exits 2 and names it", async () => {
    const { code, out, err } = await run(["destroy", "pr-1"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain('ephemera: unknown command "destroy"');
  });

  test("extend pr-1 3y exits 2, naming the duration and showing a valid command", async () => {
    const { code, err } = await run(["extend", "pr-1", "3y"]);
    expect(code).toBe(2);
    expect(err).toBe('ephemera: duration "3y" has unknown unit "y"; use m, h, d or w (lowercase), such as "3d"; e.g. ephemera extend pr-1 4h');
  });

  test("an extension longer than the max TTL exits 2 with the ceiling", async () => {
    const { code, err } = await run(["extend", "pr-1", "3w"]);
    expect(code).toBe(2);
    expect(err).toContain('duration "3w" exceeds the maximum of "2w"');
  });

  test("claim with a --ttl over the max TTL exits 2 before anything is read or written, naming --ttl, the max and the setting", async () => {
    const { code, out, err } = await run(["claim", "pr-1", "--owner", "team@example.com", "--ttl", "30d"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toBe('ephemera: --ttl "30d" exceeds the maximum of "2w"; use at most "2w" (the max TTL: EPHEMERA_MAX_TTL, or --max-ttl)');
  });

  test("claim's --ttl is held to the max TTL as configured: raised, the same claim goes on (and fails here only because AWS is unreachable)", async () => {
    const { code, err } = await run(["claim", "pr-1", "--owner", "team@example.com", "--ttl", "30d"], { ...ENV, EPHEMERA_MAX_TTL: "5w" });
    expect(code).toBe(1);
    expect(err).not.toContain("--ttl");
  });

  test("claim with an owner AWS would refuse as a tag value exits 2 before anything is written, naming --owner", async () => {
    const { code, err } = await run(["claim", "pr-1", "--owner", "team,web@example.com"]);
    expect(code).toBe(2);
    expect(err).toMatch(/^ephemera: --owner "team,web@example.com" contains ","/);
  });

  test("a missing EPHEMERA_AUDIT_BUCKET exits 2, naming the variable and the fix", async () => {
    const { code, err } = await run(["ls"], { AWS_REGION: "us-east-1" });
    expect(code).toBe(2);
    expect(err).toBe(
      "ephemera: EPHEMERA_AUDIT_BUCKET is not set; set it to the audit bucket's name (e.g. EPHEMERA_AUDIT_BUCKET=acme-ephemera-audit) or pass --audit-bucket <name>",
    );
  });

  test("a malformed flag value exits 2 naming the flag", async () => {
    const { code, err } = await run(["ls", "--max-envs-per-run", "many"]);
    expect(code).toBe(2);
    expect(err).toContain('--max-envs-per-run "many" is not a whole number');
  });

  test("reap with a --now in the future and without --dry-run exits 2 before anything is discovered", async () => {
    const { code, err } = await run(["reap", "--now", "2026-05-02T12:00:00Z"]);
    expect(code).toBe(2);
    expect(err).toContain("--now 2026-05-02T12:00:00Z is in the future, and acting on a clock that runs ahead deletes environments early");
    expect(err).toContain("add --dry-run");
    expect(err).toContain("--allow-simulated-clock");
  });

  test("with EPHEMERA_DRY_RUN=true a future --now is allowed (it only plans); it fails here only because AWS is unreachable", async () => {
    const { code, err } = await run(["reap", "--now", "2026-05-02T12:00:00Z"], { ...ENV, EPHEMERA_DRY_RUN: "true" });
    expect(code).toBe(1);
    expect(err).toContain("deciding as of 2026-05-02T12:00:00Z (simulated; the real time is 2026-05-01T12:00:00Z)");
    expect(err).toContain("refused to act: the caller's account could not be established");
  });
});
