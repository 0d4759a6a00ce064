#!/usr/bin/env node
import { runCli } from "./usage";

process.exitCode = runCli(process.argv.slice(2), (l) => console.log(l), (l) => console.error(l));
