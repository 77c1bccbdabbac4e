// `npm run bench`: builds, then runs every benchmark in turn, or the ones named on the command line
// (`npm run bench -- startup tasks`; `ssm` and `secretsmanager` only when named). Each prints its details; at the end every figure is printed beside
// the target of issue #18, and one dated row is appended to the history table of docs/benchmarks.md.
// Nothing asserts on the numbers. BENCH_NO_HISTORY=1 leaves docs/benchmarks.md alone.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const BENCHMARKS = ['startup', 'control-plane', 'growth', 'scheduler', 'tasks', 'services', 'logs', 'elb'];
/** Run only when named (`npm run bench -- ssm`): no figure of issue #18 comes from them. */
const ON_REQUEST = ['ssm', 'secretsmanager', 'logs-store', 'logs-sources', 'put'];
const DOC = path.join(ROOT, 'docs/benchmarks.md');
/** The history columns: figure keys (by prefix) in the order of the table. */
const HISTORY_COLUMNS = [
  ['start (npm start)', 'start-up, npm start'],
  ['start (image)', 'start-up, image entry point'],
  ['idle RSS', 'idle RSS'],
  ['floor', 'bare http floor'],
  ['Register', 'RegisterTaskDefinition'],
  ['Describe', 'DescribeTaskDefinition'],
  ['List', 'ListTaskDefinitions'],
  ['DescribeTasks ×100', 'DescribeTasks (100 tasks)'],
  ['StopTask', 'StopTask'],
  ['Register (persistent)', 'RegisterTaskDefinition (persistent)'],
  ['RunTask vs engine', 'RunTask → RUNNING'],
  ['awslogs', 'awslogs container'],
  // Added 2026-12-03 (earlier rows have '-'): Register after 20,000 registrations, V8's compiles done.
  ['Register (steady)', 'RegisterTaskDefinition, steady'],
  // Added 2026-12-03 (earlier rows have '-'): a bare http server's own first 2,000 after start, as Register's.
  ['floor (fresh)', 'fresh bare http floor'],
];

async function main() {
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', cwd: ROOT });
  const wanted = process.argv.slice(2);
  const known = [...BENCHMARKS, ...ON_REQUEST];
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  const figures = [];
  for (const name of wanted.length === 0 ? BENCHMARKS : known.filter((b) => wanted.includes(b))) {
    console.log(`\n## bench-${name}.js`);
    figures.push(...((await require(path.join(__dirname, `bench-${name}.js`)).run()) ?? []));
  }

  const load = os.loadavg()[0].toFixed(1);
  console.log(`\n## Figures (issue #18 targets); ${os.cpus().length} CPUs, load average ${load} at the end`);
  console.table(
    figures.map((f) => ({
      measure: f.key,
      result: f.value,
      target: f.target ?? '',
      met: f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    })),
  );

  if (process.env.BENCH_NO_HISTORY === '1') return;
  // A column's figure is the first whose key starts with its prefix, not one of another mode (a run of
  // `BENCH_MODES=persistent` has no in-memory Register, and its persistent one is not that).
  const otherMode = / \((persistent|memory, log at info)\)$/;
  const cell = (prefix) => {
    const figure = figures.find((f) => f.key.startsWith(prefix) && !otherMode.test(f.key.slice(prefix.length)));
    return figure ? (figure.short ?? figure.value) : '-';
  };
  // A run with none of the history's figures (e.g. `npm run bench -- elb`) adds no row of dashes.
  if (HISTORY_COLUMNS.every(([, prefix]) => cell(prefix) === '-')) return;
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  // The control-plane bench's load generator, when it is not the default (scripts/bench-control-plane.js).
  const client = process.env.BENCH_CLIENT === 'node' ? ", Node's HTTP client" : '';
  const row = `| ${date} | ${os.cpus().length} CPUs, load ${load}, node ${process.version}${client} | ${HISTORY_COLUMNS.map(([, prefix]) => cell(prefix)).join(' | ')} |`;
  fs.writeFileSync(DOC, withHistoryRow(fs.readFileSync(DOC, 'utf8'), row));
  console.log(`\nadded to the history in docs/benchmarks.md:\n${row}`);
}

/** The doc with `row` after the history table's last row: the table need not end the file. */
function withHistoryRow(doc, row) {
  const lines = doc.split('\n');
  const header = lines.findIndex((line) => line.startsWith('| date (UTC) |'));
  if (header < 0) return `${doc.replace(/\n*$/, '\n')}${row}\n`;
  let end = header + 1;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  lines.splice(end, 0, row);
  return lines.join('\n');
}

module.exports = { HISTORY_COLUMNS, withHistoryRow };
if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
