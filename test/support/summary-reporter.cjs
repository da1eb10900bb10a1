// Mocha's spec output for people, plus the run's counts written as JSON to $TEST_SUMMARY_FILE
// (when set) so .ci/run can add up several runs into one "N passed, N failed" line.
const { writeFileSync } = require("node:fs");
const Mocha = require("mocha");

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const file = process.env.TEST_SUMMARY_FILE;
      if (!file) return;
      const { passes, failures, pending, tests } = this.stats;
      writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, skipped: pending, tests }));
    });
  }
}

module.exports = SummaryReporter;
