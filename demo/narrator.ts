/** Plain-words output of the demo: numbered steps with timings, narration, and tool output set off by indentation. */

const WIDTH = 96;

/** A step that failed: the demo stops there and reports which step and why. */
export class StepFailure extends Error {
  constructor(
    readonly step: number,
    readonly title: string,
    readonly cause: unknown,
  ) {
    super(`step ${step} (${title}) failed: ${describe(cause)}`);
    this.name = "StepFailure";
  }
}

/** An error's message without a stack trace; a person reads it. */
export function describe(err: unknown): string {
  if (err instanceof StepFailure) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** `12.3 s` or `2m05s`. */
export function seconds(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
}

export class Narrator {
  private current = 0;
  /** Set when a signal interrupted the demo: a step failing because of it is not news. */
  quiet = false;
  readonly timings: { readonly step: number; readonly title: string; readonly ms: number }[] = [];
  readonly started = Date.now();

  constructor(
    readonly total: number,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  /** Runs one numbered step, printing its title first and its wall time after. */
  async step<T>(title: string, run: () => Promise<T>): Promise<T> {
    const step = ++this.current;
    this.line("");
    this.line(`Step ${step}/${this.total}: ${title}`);
    const started = Date.now();
    try {
      const result = await run();
      const ms = Date.now() - started;
      this.timings.push({ step, title, ms });
      this.line(`  (step ${step} took ${seconds(ms)})`);
      return result;
    } catch (err) {
      if (!this.quiet) this.line(`  Step ${step} FAILED after ${seconds(Date.now() - started)}: ${describe(err)}`);
      throw err instanceof StepFailure ? err : new StepFailure(step, title, err);
    }
  }

  /** Narration: wrapped, indented two spaces. */
  say(text: string): void {
    for (const paragraph of text.split("\n")) this.line(wrap(paragraph, WIDTH - 2, "  "));
  }

  /** A command as it would be typed. */
  command(text: string): void {
    this.line(`  $ ${text}`);
  }

  /** Output of a tool, verbatim, indented four spaces. */
  show(text: string): void {
    const trimmed = text.replace(/\s+$/, "");
    if (trimmed === "") return;
    for (const line of trimmed.split("\n")) this.line(`    ${line}`.trimEnd());
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }
}

function wrap(text: string, width: number, indent: string): string {
  if (text.trim() === "") return "";
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "") lines.push(indent + line);
  return lines.join("\n");
}
