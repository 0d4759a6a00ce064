/** Step 2 of `npm run generate` (generate.ts): the kind catalog, from the row each adapter file declares. */
import { KIND_DEFINITIONS } from "../reaper/kinds";
import { catalogRows, KIND_CATALOG_FILE, renderKindCatalog, writeIfChanged } from "./kind-table";

writeIfChanged(KIND_CATALOG_FILE, renderKindCatalog(catalogRows(KIND_DEFINITIONS)));
