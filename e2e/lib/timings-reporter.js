// A node:test reporter that prints, once the run ends, how long each test file took (from the
// first event it sent to its last) and its slowest tests: scripts/test.sh shows it after the
// spec reporter's output, so that the time of each part of the suite is on record.

import { basename } from 'node:path';

export default async function* timings(source) {
  const files = new Map(); // file -> { first, last, tests: [[name, ms]] }
  for await (const { type, data } of source) {
    if (!data?.file) continue;
    const now = Date.now();
    const file = files.get(data.file) ?? { first: now, last: now, tests: [], failed: 0 };
    file.last = now;
    if ((type === 'test:pass' || type === 'test:fail') && data.details?.type !== 'suite') {
      file.tests.push([data.name, data.details?.duration_ms ?? 0]);
      if (type === 'test:fail') file.failed += 1;
    }
    files.set(data.file, file);
  }
  yield 'end-to-end times, per file (wall clock, first to last event):\n';
  for (const [path, { first, last, tests, failed }] of [...files].sort((a, b) => a[1].first - b[1].first)) {
    const slowest = tests.sort((a, b) => b[1] - a[1])[0];
    yield `  ${basename(path).padEnd(24)} ${String(Math.round((last - first) / 1000)).padStart(5)} s`
      + `${failed ? `  (${failed} failed)` : ''}${slowest ? `  slowest: ${Math.round(slowest[1] / 1000)} s, ${slowest[0]}` : ''}\n`;
  }
}
