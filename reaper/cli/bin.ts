#!/usr/bin/env node
import { runCli } from "./run-cli";

/**
 * On Node.js before 22 the AWS SDK warns, in eight lines, on every run that its 2027
 * releases need Node.js 22. The CLI says it once, in one line (the Lambda runs Node 22).
 */
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  if (String(warning).startsWith("NodeVersionSupportWarning:")) {
    process.stderr.write(`ephemera: note: Node.js ${process.version} is past end of life; AWS SDK releases after the first week of January 2027 need Node.js 22 or later\n`);
    return;
  }
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

/** All of stdin, as UTF-8. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  isTTY: process.stderr.isTTY === true,
  // A terminal is not input: `trace append` then asks for a pipe or --message instead of waiting.
  ...(process.stdin.isTTY === true ? {} : { stdin: readStdin }),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ephemera: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
