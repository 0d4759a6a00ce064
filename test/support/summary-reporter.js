// Prints one plain closing line, "jest: N passed, N failed, N skipped", that CI
// logs can be read by whatever the test runner's own summary format is.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suitesFailed = results.numFailedTestSuites + (results.numRuntimeErrorTestSuites ?? 0);
    const failed = results.numFailedTests + (results.numFailedTests === 0 && suitesFailed > 0 ? suitesFailed : 0);
    process.stdout.write(`\njest: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
