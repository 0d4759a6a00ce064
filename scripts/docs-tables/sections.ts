/**
 * The generated sections of docs/ written by the renderers of this folder (docs-tables.ts
 * has the others, and `GENERATED_PAGES` there the page each is on).
 */
import { admissionLimitsTable } from "./admission";
import { auditBucketPolicyTable, environmentOutputsTable, tagSchemaTable } from "./constructs-tables";
import { mcpToolsTable } from "./mcp-tools";
import { propsTable } from "./props-table";
import { reaperConfigTable } from "./reaper-config";
import { shippedPricesList } from "./shipped-prices";
import { testTiersTable } from "./testing";

/** Section name → its content. */
export const SECTIONS: Readonly<Record<string, () => string>> = {
  "shipped-prices": shippedPricesList,
  "mcp-tools": mcpToolsTable,
  "admission-limits": admissionLimitsTable,
  "reaper-config": reaperConfigTable,
  "tag-schema": tagSchemaTable,
  "audit-bucket-policy": auditBucketPolicyTable,
  "environment-outputs": environmentOutputsTable,
  "test-tiers": testTiersTable,
  "audit-bucket-props": () => propsTable("constructs/audit-bucket.ts", "AuditBucketProps"),
  "platform-budget-props": () => propsTable("constructs/platform-budget.ts", "PlatformBudgetProps"),
  "warm-database-pool-props": () => propsTable("constructs/warm-database-pool.ts", "WarmDatabasePoolProps"),
};

