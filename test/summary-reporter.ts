/**
 * Prints closing lines any CI log reader understands, after vitest's own
 * summary: one per project (`tests[e2e]: N passed, …`, so a run shows how
 * many tests each engine profile ran), then the total,
 * `tests: N passed, N failed, N skipped`.
 */
import type { Reporter, TestModule } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const line = (label: string, c: Counts) => `${label}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const total: Counts = { passed: 0, failed: unhandledErrors.length, skipped: 0 };
    const projects = new Map<string, Counts>();
    for (const module of testModules) {
      const name = module.project.name || 'default';
      let counts = projects.get(name);
      if (!counts) {
        counts = { passed: 0, failed: 0, skipped: 0 };
        projects.set(name, counts);
      }
      const tests = [...module.children.allTests()];
      // A file that failed before any test ran (an import error) counts as one failure.
      const bump = (key: keyof Counts) => {
        counts[key]++;
        total[key]++;
      };
      if (module.state() === 'failed' && tests.length === 0) bump('failed');
      for (const test of tests) {
        const state = test.result().state;
        bump(state === 'passed' ? 'passed' : state === 'failed' ? 'failed' : 'skipped');
      }
    }
    const lines = [...projects].sort(([a], [b]) => a.localeCompare(b)).map(([name, c]) => line(`tests[${name}]`, c));
    process.stdout.write(`\n${[...lines, line('tests', total)].join('\n')}\n`);
  }
}
