/** Step 3 of `npm run generate` (generate.ts): rewrites the generated tables in docs/ (see scripts/docs-tables.ts). */
import * as fs from "node:fs";
import * as path from "node:path";
import { DOCS_DIR, GENERATED_PAGES, withGeneratedSections } from "./docs-tables";

for (const [page, sections] of Object.entries(GENERATED_PAGES)) {
  const file = path.join(DOCS_DIR, page);
  const before = fs.readFileSync(file, "utf8");
  const after = withGeneratedSections(before, sections);
  if (after !== before) fs.writeFileSync(file, after);
  console.log(`${after === before ? "unchanged" : "updated  "} docs/${page}`);
}
