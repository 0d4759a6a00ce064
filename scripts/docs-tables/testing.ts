/** docs/testing.md's table of the test tiers: jest.config.js's projects and the package.json scripts that run them. */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import ts from "typescript";
import { code, table } from "./markdown";
import { summaryOf } from "./props-table";
import { docComment, findNode, REPO_ROOT } from "./ts-docs";

const FILE = "jest.config.js";

/** `| tier | what it runs against | command |`: a row per project of jest.config.js, with its comment and its npm script. */
export function testTiersTable(): string {
  const projects = findNode(FILE, "projects", (n): n is ts.PropertyAssignment => ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === "projects");
  if (!ts.isArrayLiteralExpression(projects.initializer)) throw new Error(`${FILE}: projects is not an array`);
  const config = createRequire(__filename)(path.join(REPO_ROOT, FILE)) as { projects: { displayName: string; testMatch: string[] }[] };
  const scripts = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  return table(
    ["tier", "what it runs against", "command"],
    projects.initializer.elements.map((element, i) => {
      const project = config.projects[i]!;
      const folder = /^<rootDir>\/(.+\/)\*\*\//.exec(project.testMatch[0]!)?.[1];
      const script = Object.keys(scripts).find((name) => scripts[name] === `jest --selectProjects ${project.displayName}`);
      if (folder === undefined || script === undefined) throw new Error(`${FILE}: the ${project.displayName} tier has no folder or no npm script of its own`);
      const doc = { name: project.displayName, optional: false, doc: docComment(FILE, element) };
      return [`${project.displayName} (${code(folder)})`, summaryOf(FILE, doc), code(`npm run ${script}`)];
    }),
  );
}
