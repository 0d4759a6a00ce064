import { runCli } from "../../reaper/cli/usage";

function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runCli(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("ephemera CLI before its commands exist", () => {
  it("prints usage and succeeds when asked for help", () => {
    const { code, out } = run("--help");
    expect(code).toBe(0);
    expect(out).toContain("Usage: ephemera <command>");
  });

  it("refuses every command with exit 2 instead of pretending it ran", () => {
    for (const command of ["ls", "reap", "extend", "pause", "resume", "audit"]) {
      const { code, out, err } = run(command, "pr-1");
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err).toContain(`"${command}" is not implemented yet`);
    }
  });
});
