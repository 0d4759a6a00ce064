import * as path from "node:path";

/**
 * The repository root. This module's `__dirname` is its source folder (harness/), also
 * when scripts/run-ts.mjs runs it from a bundle.
 */
export const REPO_ROOT = path.resolve(__dirname, "..");

/** A real-format AWS Budgets notification, as Budgets publishes it to SNS (see fixtures/README.md). */
export const BUDGET_NOTIFICATION_FIXTURE = path.join(__dirname, "fixtures", "budget-notification.txt");
