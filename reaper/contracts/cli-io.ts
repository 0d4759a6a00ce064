// What one run of an ephemera command line writes and returns: the CLI runs commands with
// it, and the MCP server (below the CLI) hands each tool call's command line to the CLI's
// runCli with it, so both take it from here.

/** Where the CLI writes: each call is one or more whole lines. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is a terminal: progress is shown there. Nothing extra is written when it is not. */
  readonly isTTY: boolean;
  /**
   * What was piped to the command, read whole (`ephemera trace append` reads its records
   * there). Undefined when there is nothing to read: a terminal, or a caller that gives none.
   */
  readonly stdin?: () => Promise<string>;
}

/** Exit statuses: docs/cli.md documents them; scripts and agents depend on them. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
