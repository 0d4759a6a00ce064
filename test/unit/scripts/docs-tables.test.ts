import * as fs from "node:fs";
import * as path from "node:path";
import { KIND_NAMES } from "../../../reaper/contracts/kind-catalog";
import { SETTINGS } from "../../../reaper/model";
import { DOCS_DIR, GENERATED_PAGES, generatedSection, withGeneratedSections } from "../../../scripts/docs-tables";
import { ENVIRONMENT_INPUTS } from "../../../stacks/environment-config";

describe("the generated tables in docs/", () => {
  it.each(Object.entries(GENERATED_PAGES))("docs/%s is up to date with the code it is generated from (run npm run generate)", (page, sections) => {
    const text = fs.readFileSync(path.join(DOCS_DIR, page), "utf8");
    expect(withGeneratedSections(text, sections)).toBe(text);
  });

  it("has a row for every kind of the catalog, and its IAM actions", () => {
    const kinds = generatedSection("kinds");
    const iam = generatedSection("kinds-iam");
    for (const kind of KIND_NAMES) {
      expect(kinds).toContain(`| \`${kind}\` |`);
      expect(iam).toContain(`| \`${kind}\` |`);
    }
    expect(iam).toContain("`rds:DeleteDBInstance`");
  });

  it("has a row for every setting and every environment input", () => {
    const settings = generatedSection("settings");
    for (const s of Object.values(SETTINGS)) expect(settings).toContain(`\`${s.env}\``);
    const inputs = generatedSection("environment-inputs");
    for (const i of ENVIRONMENT_INPUTS) expect(inputs).toContain(`\`${i.name}\``);
  });

  it("refuses a page without the markers, and an unknown section", () => {
    expect(() => withGeneratedSections("# no markers\n", ["kinds"])).toThrow("<!-- generated:kinds -->");
    expect(() => generatedSection("nope")).toThrow('no generated section named "nope"');
  });
});
