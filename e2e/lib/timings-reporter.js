// A node:test reporter that prints, once the run ends, how long each test file took (the
// runner's own duration of the file, its `before` hooks and process start included) and its
// slowest test: scripts/test.sh shows it after the spec reporter's output, so that the time of
// each part of the suite is on record.

import { basename } from 'node:path';

/** Whether an event is about a test file itself (the runner names it by its path). */
const isFile = (data) => data.nesting === 0 && typeof data.name === 'string' && data.file?.endsWith(data.name);

export default async function* timings(source) {
  const files = new Map(); // file -> { ms, failed, slowest: [name, ms] }
  const entry = (file) => files.get(file) ?? files.set(file, { ms: null, failed: 0, slowest: null }).get(file);
  for await (const { type, data } of source) {
    if (!data?.file) continue;
    if (type === 'test:complete' && isFile(data)) {
      entry(data.file).ms = data.details?.duration_ms ?? null;
    } else if ((type === 'test:pass' || type === 'test:fail') && !isFile(data) && data.details?.type !== 'suite') {
      const file = entry(data.file);
      const ms = data.details?.duration_ms ?? 0;
      if (!file.slowest || ms > file.slowest[1]) file.slowest = [data.name, ms];
      if (type === 'test:fail') file.failed += 1;
    }
  }
  yield 'end-to-end times, per file:\n';
  for (const [path, { ms, failed, slowest }] of files) {
    if (ms === null) continue;
    yield `  ${basename(path).padEnd(24)} ${String(Math.round(ms / 1000)).padStart(5)} s`
      + `${failed ? `  (${failed} failed)` : ''}${slowest ? `  slowest: ${Math.round(slowest[1] / 1000)} s, ${slowest[0]}` : ''}\n`;
  }
}
