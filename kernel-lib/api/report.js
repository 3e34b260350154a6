#!/usr/bin/env node
/**
 * The API report: every name each entry point of the `campfires` package exports,
 * read from the sources with the TypeScript compiler and kept in `api/*.api.txt`,
 * so that a change to the public surface shows up in review as a change to these files.
 *
 *   node kernel-lib/api/report.js           compare with the checked-in reports
 *   node kernel-lib/api/report.js --write   rewrite them (run after a deliberate change)
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const packageDir = path.resolve(__dirname, '..');

/** Each entry point of the package, with the source file that defines it. */
const ENTRY_POINTS = [
  { specifier: 'campfires', source: 'src/index.ts', report: 'campfires.api.txt' },
  { specifier: 'campfires/display', source: 'src/display/payloads.ts', report: 'display.api.txt' },
  { specifier: 'campfires/mcp', source: 'src/mcp/index.ts', report: 'mcp.api.txt' },
  { specifier: 'campfires/testing', source: 'src/testing/index.ts', report: 'testing.api.txt' },
];

const REGENERATE = 'npm run api-report';

function kindOf(symbol) {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return 'class';
  if (flags & ts.SymbolFlags.Function) return 'function';
  if (flags & ts.SymbolFlags.Enum) return 'enum';
  if (flags & ts.SymbolFlags.Variable) return 'const';
  if (flags & ts.SymbolFlags.Interface) return 'interface';
  if (flags & ts.SymbolFlags.TypeAlias) return 'type';
  return 'other';
}

/** The report text of every entry point, keyed by report file name. */
function apiReports() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(packageDir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const roots = ENTRY_POINTS.map((entry) => path.join(packageDir, entry.source));
  const program = ts.createProgram(roots, { ...config.options, noEmit: true, incremental: false });
  const checker = program.getTypeChecker();
  const reports = {};
  for (const entry of ENTRY_POINTS) {
    const file = program.getSourceFile(path.join(packageDir, entry.source));
    if (!file) throw new Error(`${entry.source} is missing`);
    const lines = checker.getExportsOfModule(checker.getSymbolAtLocation(file)).map((exported) => {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      return `${kindOf(target)} ${exported.name}`;
    });
    lines.sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]) || a.localeCompare(b));
    reports[entry.report] = [`# ${entry.specifier} (${entry.source}): ${lines.length} exported names. Regenerate with: ${REGENERATE}`, ...lines, ''].join('\n');
  }
  return reports;
}

/** Differences between the sources and the checked-in reports, as readable lines (empty when equal). */
function apiReportDifferences(reports = apiReports()) {
  const differences = [];
  for (const [name, text] of Object.entries(reports)) {
    const file = path.join(__dirname, name);
    const checkedIn = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (checkedIn === text) continue;
    const before = new Set(checkedIn.split('\n').filter((line) => line && !line.startsWith('#')));
    const after = new Set(text.split('\n').filter((line) => line && !line.startsWith('#')));
    const added = [...after].filter((line) => !before.has(line)).map((line) => `  + ${line}`);
    const removed = [...before].filter((line) => !after.has(line)).map((line) => `  - ${line}`);
    differences.push(`api/${name}:`, ...added, ...removed);
    if (!added.length && !removed.length) differences.push('  (order or header differs)');
  }
  return differences;
}

module.exports = { ENTRY_POINTS, REGENERATE, apiReports, apiReportDifferences };

if (require.main === module) {
  const reports = apiReports();
  if (process.argv.includes('--write')) {
    for (const [name, text] of Object.entries(reports)) fs.writeFileSync(path.join(__dirname, name), text);
    process.stdout.write(`wrote ${Object.keys(reports).map((name) => `kernel-lib/api/${name}`).join(', ')}\n`);
  } else {
    const differences = apiReportDifferences(reports);
    if (differences.length) {
      process.stderr.write(`The public surface differs from the API report:\n${differences.join('\n')}\nIf the change is meant, run: ${REGENERATE}\n`);
      process.exitCode = 1;
    } else {
      process.stdout.write('The public surface matches the API report.\n');
    }
  }
}
