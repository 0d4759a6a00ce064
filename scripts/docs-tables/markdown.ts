/** The Markdown the generated sections of docs/ are written in. */

/** A table: a header row, the divider, a row per entry; a `|` in a cell is escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Inline code. */
export function code(text: string): string {
  return `\`${text}\``;
}

/** `yes` or `no`; the one that asks a reader to take care in bold. */
export function yesNo(value: boolean, bold?: boolean): string {
  const text = value ? "yes" : "no";
  return bold === value ? `**${text}**` : text;
}
