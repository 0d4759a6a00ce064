import { parseCommand, UsageError } from "../../../../reaper/cli/parse-command";

function usageError(argv: string[]): UsageError {
  try {
    parseCommand(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parsing the ephemera command line", () => {
  test("no arguments, help and --help ask for the usage", () => {
    expect(parseCommand([])).toEqual({ name: "help" });
    expect(parseCommand(["--help"])).toEqual({ name: "help" });
    expect(parseCommand(["help", "reap"])).toEqual({ name: "help", topic: "reap" });
    expect(parseCommand(["extend", "--help"])).toEqual({ name: "help", topic: "extend" });
  });

  test("an unknown command is named, with the nearest command suggested and the list of commands", () => {
    expect(usageError(["lss"]).message).toBe(
      'unknown command "lss"; did you mean "ls"? The commands are ls, admit, extend, pause, resume, release, checkpoint, checkpoints, rollback, claim, provisioning, reap, audit, trace, mcp (see ephemera --help)',
    );
  });

  test("an option before the command is refused with the command-first form shown", () => {
    expect(usageError(["--json", "ls"]).message).toContain('the command comes first, then its options: e.g. "ephemera ls --json"');
  });

  test("checkpoint takes an env id and an optional --name label; checkpoints an env id", () => {
    expect(parseCommand(["checkpoint", "pr-1", "--name", "before-migration", "--json"])).toMatchObject({ name: "checkpoint", env: "pr-1", label: "before-migration", json: true });
    expect(parseCommand(["checkpoint", "pr-1"])).not.toHaveProperty("label");
    expect(parseCommand(["checkpoint", "pr-1", "--dry-run"])).toMatchObject({ name: "checkpoint", overrides: { dryRun: true } });
    expect(parseCommand(["checkpoints", "pr-1", "--json"])).toMatchObject({ name: "checkpoints", env: "pr-1", json: true });
  });

  test.each([
    [["checkpoint"], "ephemera checkpoint needs <env>, e.g. ephemera checkpoint pr-123 --name before-migration"],
    [["checkpoint", "pr-1", "--name", "Before"], '--name "Before" is not 1 to 40 lowercase letters, digits and hyphens starting with a letter (and not ending with a hyphen); e.g. --name before-migration'],
    [["checkpoint", "pr-1", "--name", "baseline"], "--name baseline is reserved for the snapshot the environment was restored from; choose another, e.g. --name before-migration"],
    [["checkpoint", "pr-1", "--name"], "--name needs a value, e.g. --name before-migration"],
    [["checkpoints"], "ephemera checkpoints needs <env>, e.g. ephemera checkpoints pr-123"],
    [["checkpoints", "pr-1", "--name", "x"], 'unknown option --name for "ephemera checkpoints"; see ephemera checkpoints --help'],
  ])("%j is a usage error that names the argument and the fix", (argv, message) => {
    const error = usageError(argv);
    expect(error.message).toBe(message);
    expect(error.command).toBe(argv[0]);
  });

  test("extend takes an env id and a duration in the ttl grammar, in milliseconds", () => {
    expect(parseCommand(["extend", "pr-1", "1d12h", "--json"])).toMatchObject({ name: "extend", env: "pr-1", duration: "1d12h", by: 36 * 3_600_000, json: true });
  });

  test("extend with a duration outside the grammar names the duration and shows a valid command", () => {
    const message = usageError(["extend", "pr-1", "3y"]).message;
    expect(message).toBe('duration "3y" has unknown unit "y"; use m, h, d or w (lowercase), such as "3d"; e.g. ephemera extend pr-1 4h');
  });

  test("extend without its duration says what it needs, with an example", () => {
    expect(usageError(["extend", "pr-1"]).message).toBe("ephemera extend needs <env> and <duration>, e.g. ephemera extend pr-123 4h");
  });

  test("an environment id that is not DNS-label safe is refused with the fix", () => {
    expect(usageError(["pause", "PR_1"]).message).toMatch(/^<env> "PR_1" has uppercase letters; use lowercase letters/);
  });

  test("an unknown option is named together with the command's help", () => {
    expect(usageError(["ls", "--force"]).message).toBe('unknown option --force for "ephemera ls"; see ephemera ls --help');
  });

  test("an option missing its value is named with an example value", () => {
    expect(usageError(["reap", "--now"]).message).toBe("--now needs a value, e.g. --now 2026-05-01T12:00:00Z");
  });

  test("reap --now without a time zone is refused, since guessing a zone deletes early", () => {
    expect(usageError(["reap", "--now", "2026-05-01T12:00:00"]).message).toMatch(/^--now "2026-05-01T12:00:00" has no time zone; add "Z"/);
  });

  test("reap reads its clock, environment and flags", () => {
    expect(parseCommand(["reap", "--dry-run", "--now", "2026-05-01T12:00:00Z", "--env", "pr-9", "--allow-simulated-clock"])).toMatchObject({
      name: "reap",
      now: new Date("2026-05-01T12:00:00Z"),
      env: "pr-9",
      allowSimulatedClock: true,
      overrides: { dryRun: true },
    });
  });

  test("reap reads a plan to write, or one to execute by file or by hash", () => {
    const hash = "ab".repeat(32);
    expect(parseCommand(["reap", "--plan-out", "-", "--env", "pr-9"])).toMatchObject({ name: "reap", planOut: "-", env: "pr-9" });
    expect(parseCommand(["reap", "--plan", "reviewed.json", "--dry-run"])).toMatchObject({ name: "reap", reviewed: { file: "reviewed.json" }, overrides: { dryRun: true } });
    expect(parseCommand(["reap", `--plan-hash=${hash}`])).toMatchObject({ name: "reap", reviewed: { hash } });
    expect(parseCommand(["reap", "--max-plan-age", "30m"])).toMatchObject({ overrides: { maxPlanAge: "30m" } });
  });

  test("reap refuses a plan decided on a simulated clock, a plan narrowed or redecided, both ways of naming one, and a hash that is none", () => {
    const hash = "ab".repeat(32);
    expect(usageError(["reap", "--plan-out", "p.json", "--now", "2026-05-01T12:00:00Z"]).message).toMatch(/^--plan-out makes a plan to execute, and such a plan is decided on the real clock: leave out --now/);
    expect(usageError(["reap", "--plan", "p.json", "--env", "pr-1"]).message).toBe("--plan executes the plan exactly as it was reviewed, so --env cannot be given with it; e.g. ephemera reap --plan reviewed-plan.json");
    expect(usageError(["reap", "--plan-hash", hash, "--now", "2026-05-01T12:00:00Z"]).message).toContain("--plan-hash executes the plan exactly as it was reviewed, so --now cannot be given with it");
    expect(usageError(["reap", "--plan", "p.json", "--plan-out", "q.json"]).message).toContain("so --plan-out cannot be given with it");
    expect(usageError(["reap", "--plan", "p.json", "--plan-hash", hash]).message).toMatch(/^give --plan <file> or --plan-hash <sha256>, not both/);
    expect(usageError(["reap", "--plan-hash", "ABC"]).message).toBe('--plan-hash "ABC" is not a plan\'s hash: 64 lowercase hex digits, as ephemera reap --plan-out printed it');
    expect(usageError(["reap", "--plan-out", " "]).message).toBe("--plan-out needs a value, e.g. --plan-out reviewed-plan.json");
  });

  test("--no-dry-run overrides EPHEMERA_DRY_RUN=true for one command", () => {
    expect(parseCommand(["pause", "pr-1", "--no-dry-run"])).toMatchObject({ overrides: { dryRun: false } });
  });

  test("configuration flags become setting overrides", () => {
    expect(parseCommand(["ls", "--audit-bucket", "b-1", "--region", "eu-west-1", "--warning-window", "2h"])).toMatchObject({
      overrides: { auditBucket: "b-1", region: "eu-west-1", warningWindow: "2h" },
    });
  });

  test("audit takes the verify subcommand and an optional run id", () => {
    expect(parseCommand(["audit", "verify", "--run", "20260501T120000Z-3f9a1c2b"])).toMatchObject({ name: "audit-verify", runId: "20260501T120000Z-3f9a1c2b" });
    expect(usageError(["audit", "check"]).message).toContain('unknown subcommand "audit check"');
    expect(usageError(["audit", "verify", "--run", "../x"]).message).toContain('--run "../x" is not a run id');
  });
});

describe("parsing ephemera trace", () => {
  test("append takes an env, --agent and --message; show --since; verify the env alone", () => {
    expect(parseCommand(["trace", "append", "pr-1", "--agent", "planner", "--json"])).toEqual({ name: "trace-append", env: "pr-1", agent: "planner", json: true, overrides: {} });
    expect(parseCommand(["trace", "append", "pr-1", "--message", "chose B"])).toMatchObject({ name: "trace-append", message: "chose B" });
    expect(parseCommand(["trace", "show", "pr-1", "--since", "2026-05-01T12:00:00Z"])).toMatchObject({ name: "trace-show", env: "pr-1", since: new Date("2026-05-01T12:00:00Z") });
    expect(parseCommand(["trace", "verify", "pr-1"])).toMatchObject({ name: "trace-verify", env: "pr-1" });
  });

  test("a wrong subcommand, a flag of another subcommand, a bad env, time or agent is a usage error naming it", () => {
    expect(usageError(["trace", "check", "pr-1"]).message).toBe('unknown subcommand "trace check"; use append, show or verify, e.g. ephemera trace verify pr-1');
    expect(usageError(["trace", "show"]).message).toContain("ephemera trace needs a subcommand (append, show or verify) and <env>");
    expect(usageError(["trace", "show", "pr-1", "--agent", "a"]).message).toBe("--agent goes with trace append, e.g. ephemera trace append pr-1 --agent planner");
    expect(usageError(["trace", "verify", "pr-1", "--since", "2026-05-01T12:00:00Z"]).message).toContain("--since goes with trace show");
    expect(usageError(["trace", "show", "PR-1"]).message).toContain("<env>");
    expect(usageError(["trace", "show", "pr-1", "--since", "yesterday"]).message).toContain('--since "yesterday" is not an ISO-8601 date-time');
    expect(usageError(["trace", "append", "pr-1", "--agent", " "]).message).toContain("--agent must be a name of 1 to 128 characters");
  });
});

describe("parsing ephemera claim", () => {
  test("an environment, its owner and a ttl (8h unless given)", () => {
    expect(parseCommand(["claim", "pr-1", "--owner", "team@example.com"])).toMatchObject({ name: "claim", env: "pr-1", owner: "team@example.com", ttl: "8h" });
    expect(parseCommand(["claim", "pr-1", "--owner", "team@example.com", "--ttl", "2d", "--json"])).toMatchObject({ ttl: "2d", json: true });
  });

  test("a missing owner, a bad environment id or a bad ttl is named, with an example", () => {
    expect(() => parseCommand(["claim", "pr-1"])).toThrow("ephemera claim needs --owner, the environment's owner, e.g. ephemera claim pr-1 --owner team@example.com");
    expect(() => parseCommand(["claim", "PR-1", "--owner", "x"])).toThrow(/^<env> "PR-1" has uppercase letters/);
    expect(() => parseCommand(["claim", "pr-1", "--owner", "x", "--ttl", "soon"])).toThrow(/^--ttl "soon"/);
  });

  test("an owner AWS would refuse as a tag value is a usage error naming --owner and the fix, for claim and admit alike", () => {
    for (const command of ["claim", "admit"]) {
      expect(usageError([command, "pr-1", "--owner", "team,web@example.com"]).message).toBe(
        '--owner "team,web@example.com" contains ",", which AWS does not allow in a tag value; use letters, digits, spaces and _ . : / = + - @ only, such as "team-web@example.com"',
      );
      expect(usageError([command, "pr-1", "--owner", "x".repeat(257)]).message).toMatch(/^--owner "x+"… \(257 characters\) is longer than 256 characters/);
      expect(usageError([command, "pr-1", "--owner", "a;b"]).command).toBe(command);
    }
  });

  test("an owner is taken trimmed, then checked: surrounding spaces are not an error", () => {
    expect(parseCommand(["claim", "pr-1", "--owner", " team@example.com "])).toMatchObject({ owner: "team@example.com" });
  });

  test("a ttl over the max TTL parses here: the max is a setting, applied by the command (see run-cli)", () => {
    expect(parseCommand(["claim", "pr-1", "--owner", "x", "--ttl", "30d"])).toMatchObject({ ttl: "30d" });
  });
});

describe("parsing ephemera admit, release and provisioning", () => {
  test("admit takes an env, an owner, a ttl (8h by default, in milliseconds) and a budget in USD", () => {
    expect(parseCommand(["admit", "pr-1", "--owner", "web"])).toMatchObject({ name: "admit", env: "pr-1", owner: "web", ttl: "8h", ttlMs: 8 * 3_600_000 });
    expect(parseCommand(["admit", "pr-1", "--owner", "web", "--ttl", "2d", "--budget-usd", "25.50", "--json"])).toMatchObject({ ttlMs: 2 * 86_400_000, budgetUsd: 25.5, json: true });
  });

  test("admit's bad input names the flag and shows a valid form (exit 2, not a refusal)", () => {
    expect(usageError(["admit", "pr-1"]).message).toBe("ephemera admit needs --owner, the environment's owner, e.g. ephemera admit pr-1 --owner team@example.com");
    expect(usageError(["admit", "pr-1", "--owner", "web", "--budget-usd", "lots"]).message).toBe('--budget-usd "lots" is not an amount in USD above 0; use dollars and cents, such as --budget-usd 25');
    expect(usageError(["admit", "pr-1", "--owner", "web", "--budget-usd", "0"]).message).toContain("is not an amount in USD above 0");
    expect(usageError(["admit", "pr-1", "--owner", "web", "--ttl", "soon"]).message).toContain("--ttl");
    expect(usageError(["admit", "PR 1", "--owner", "web"]).message).toContain("<env>");
  });

  test("admit takes the isolation level asked for; an unknown one names --isolation and the levels (exit 2)", () => {
    expect(parseCommand(["admit", "pr-1", "--owner", "web", "--isolation", "gvisor"])).toMatchObject({ name: "admit", isolation: "gvisor" });
    expect(parseCommand(["admit", "pr-1", "--owner", "web"])).not.toHaveProperty("isolation");
    expect(usageError(["admit", "pr-1", "--owner", "web", "--isolation", "vm"]).message).toBe(
      '--isolation "vm" is not a known isolation level; use one of "none", "gvisor", "kata", such as "gvisor"',
    );
  });

  test("release takes one env and --dry-run", () => {
    expect(parseCommand(["release", "pr-1", "--dry-run", "--json"])).toMatchObject({ name: "release", env: "pr-1", json: true, overrides: { dryRun: true }, discardData: false });
    expect(usageError(["release"]).message).toBe("ephemera release needs <env>, e.g. ephemera release pr-123");
  });

  test("release takes --discard-data, off unless given; it takes no value", () => {
    expect(parseCommand(["release", "pr-1", "--discard-data"])).toMatchObject({ name: "release", env: "pr-1", discardData: true });
    expect(parseCommand(["release", "pr-1"])).toMatchObject({ discardData: false });
    expect(usageError(["release", "pr-1", "--discard-data=yes"]).message).toBe("--discard-data does not take a value; write it alone, e.g. ephemera release --discard-data");
    expect(usageError(["pause", "pr-1", "--discard-data"]).message).toContain('unknown option --discard-data for "ephemera pause"');
  });

  test("no flag names the MCP client: it reaches a command only from ephemera mcp's handshake, never from argv", () => {
    for (const flag of ["--mcp-client=root", "--client=root", "--via=root", "--requested-by=root"]) {
      expect(usageError(["release", "pr-1", flag]).message).toContain(`unknown option ${flag.split("=")[0]} for "ephemera release"`);
    }
  });

  test("provisioning takes status, pause or resume, and a reason for a change only", () => {
    expect(parseCommand(["provisioning", "status", "--json"])).toMatchObject({ name: "provisioning", action: "status", json: true });
    expect(parseCommand(["provisioning", "pause", "--reason", "quarter end"])).toMatchObject({ action: "pause", reason: "quarter end" });
    expect(usageError(["provisioning", "stop"]).message).toBe('unknown subcommand "provisioning stop"; use status, pause or resume, e.g. ephemera provisioning status');
    expect(usageError(["provisioning", "status", "--reason", "x"]).message).toContain("--reason goes with pause or resume");
  });
});
