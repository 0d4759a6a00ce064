import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { KIND_CATALOG } from "../../../reaper/contracts/kind-catalog";
import { KIND_DEFINITIONS } from "../../../reaper/kinds";
import { catalogRows, KIND_CATALOG_FILE, KIND_INDEX_FILE, kindNamesOnDisk, renderKindCatalog, renderKindIndex } from "../../../scripts/kind-table";

describe("the files generated from the kind adapters (run npm run generate when one is stale)", () => {
  it("reaper/kinds/index.ts lists every adapter file in reaper/kinds/", () => {
    expect(fs.readFileSync(KIND_INDEX_FILE, "utf8")).toBe(renderKindIndex(kindNamesOnDisk()));
    expect(Object.keys(KIND_DEFINITIONS)).toEqual(kindNamesOnDisk());
  });

  it("reaper/contracts/kind-catalog.ts holds the row each adapter file declares, as plain data", () => {
    expect(fs.readFileSync(KIND_CATALOG_FILE, "utf8")).toBe(renderKindCatalog(catalogRows(KIND_DEFINITIONS)));
    expect(KIND_CATALOG).toEqual(Object.fromEntries(Object.entries(KIND_DEFINITIONS).map(([kind, { row }]) => [kind, row])));
  });

  it("refuses an adapter that names another kind than its file, naming the file and the fix", () => {
    const row = KIND_DEFINITIONS["security-group"].row;
    expect(() => catalogRows({ "sqs-queue": { row, adapter: { kind: "sqs-queues" } } })).toThrow(
      'reaper/kinds/sqs-queue.ts: its adapter says kind "sqs-queues"; set it to "sqs-queue", the file\'s name',
    );
  });

  it("refuses a kind file without its row or adapter export, naming both exports", () => {
    const adapter = KIND_DEFINITIONS["security-group"].adapter;
    expect(() => catalogRows({ "sqs-queue": { row: undefined as never, adapter } })).toThrow("reaper/kinds/sqs-queue.ts: export its row as sqsQueueRow and its adapter as sqsQueueAdapter");
  });

  it("refuses a file in reaper/kinds/ that is not named as a kind (helpers belong in reaper/support/)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kinds-"));
    try {
      for (const file of ["index.ts", "sqs-queue.ts", "budget.ts"]) fs.writeFileSync(path.join(dir, file), "");
      expect(kindNamesOnDisk(dir)).toEqual(["budget", "sqs-queue"]);
      fs.writeFileSync(path.join(dir, "queueHelpers.ts"), "");
      expect(() => kindNamesOnDisk(dir)).toThrow("reaper/kinds/queueHelpers.ts: only kind adapters live here");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
