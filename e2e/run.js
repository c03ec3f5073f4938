// Runs the end-to-end files side by side, each in its own `node --test` process, and prints each
// file's report as it ends, then a table of times.
//
// Why a scheduler of our own rather than `node --test --test-concurrency=N`: the files spend most
// of their time waiting for six-second blocks, so several run well together on two cores, but
// the three that start a whole network of four or five validators (network.test.js,
// validators.test.js and the containers of compose.test.js) must not run at the same time as
// each other, and the longest files should start first so that the run ends soon after its
// longest file. Every file already uses ports the OS picks and its own temporary directories,
// so files never share anything else.
//
//   node e2e/run.js [--jobs N] [file ...]      (default: every e2e/tests/*.test.js, E2E_JOBS or 4)
//
// Exits 1 if any file fails.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

const HERE = import.meta.dirname;

// Longest first (figures of the last full run on the 2-core CI machine, in seconds). A file not
// listed starts after these.
const EXPECTED_SECONDS = {
  'governance.test.js': 344,
  'compose.test.js': 338,
  'streams.test.js': 330,
  'storage.test.js': 222,
  'collection.test.js': 294,
  'anchoring.test.js': 300,
  'network.test.js': 211,
  'validators.test.js': 610,
  'upgrade.test.js': 240,
  'arweave.test.js': 145,
  'ownership.test.js': 172,
  'vehicles.test.js': 114,
  'issuance.test.js': 108,
  'chain.test.js': 61,
  'commitments.test.js': 120,
  'dev-seed.test.js': 130,
  'cli.test.js': 49,
};
// Files that run a four-validator network: at most one of them at a time.
const WHOLE_NETWORK = new Set(['network.test.js', 'compose.test.js', 'validators.test.js']);

const args = process.argv.slice(2);
let jobs = Number(process.env.E2E_JOBS ?? 4);
const jobsAt = args.indexOf('--jobs');
if (jobsAt >= 0) {
  jobs = Number(args[jobsAt + 1]);
  args.splice(jobsAt, 2);
}
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs must be a positive integer, not ${jobs}`);

const testsDir = join(HERE, 'tests');
const files = (args.length ? args : readdirSync(testsDir).filter((f) => f.endsWith('.test.js')).map((f) => join(testsDir, f)))
  .sort((a, b) => (EXPECTED_SECONDS[basename(b)] ?? 0) - (EXPECTED_SECONDS[basename(a)] ?? 0));

const started = Date.now();
const seconds = (ms) => Math.round(ms / 1000);
const stamp = () => `[e2e ${String(seconds(Date.now() - started)).padStart(4)} s]`;

/** Runs one file in its own test process; resolves with its outcome and its report. */
function runFile(file) {
  return new Promise((resolve) => {
    const begin = Date.now();
    const child = spawn(process.execPath, [
      '--test',
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      `--test-reporter=${join(HERE, 'lib', 'timings-reporter.js')}`, '--test-reporter-destination=stdout',
      file,
    ], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      resolve({ file, ok: code === 0, code, signal, ms: Date.now() - begin, report: Buffer.concat(output).toString() });
    });
  });
}

const waiting = [...files];
const running = new Map(); // file -> promise
const results = [];
console.log(`${stamp()} ${files.length} files, up to ${jobs} at a time`);
while (waiting.length || running.size) {
  // Start what may start: the first waiting file that does not clash with a running one.
  while (running.size < jobs) {
    const networkRunning = [...running.keys()].some((f) => WHOLE_NETWORK.has(basename(f)));
    const next = waiting.findIndex((f) => !(networkRunning && WHOLE_NETWORK.has(basename(f))));
    if (next < 0) break;
    const [file] = waiting.splice(next, 1);
    console.log(`${stamp()} start  ${basename(file)}`);
    running.set(file, runFile(file));
  }
  const done = await Promise.race(running.values());
  running.delete(done.file);
  results.push(done);
  console.log(`${stamp()} ${done.ok ? 'passed' : 'FAILED'} ${basename(done.file)} (${seconds(done.ms)} s)`);
  console.log(done.report.replace(/^/gm, `  ${basename(done.file)} | `));
}

const failed = results.filter((r) => !r.ok);
console.log(`${stamp()} end-to-end files, in the order they ended:`);
for (const { file, ok, ms, code, signal } of results) {
  console.log(`  ${basename(file).padEnd(24)} ${String(seconds(ms)).padStart(5)} s  ${ok ? 'passed' : `FAILED (exit ${code ?? signal})`}`);
}
console.log(`  ${'wall clock'.padEnd(24)} ${String(seconds(Date.now() - started)).padStart(5)} s, ${jobs} at a time; ${failed.length} of ${results.length} files failed`);
process.exitCode = failed.length ? 1 : 0;
