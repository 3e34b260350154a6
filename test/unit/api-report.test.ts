/**
 * The package's public surface is the checked-in API report: every exported name of
 * `campfires`, `campfires/display`, `campfires/mcp` and `campfires/testing`, read from
 * the sources. A change to the surface fails here until the report is regenerated, so
 * it shows in review.
 */
import { join } from 'node:path';

interface ApiReportModule {
  REGENERATE: string;
  apiReports(): Record<string, string>;
  apiReportDifferences(reports?: Record<string, string>): string[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { REGENERATE, apiReports, apiReportDifferences } = require(join(__dirname, '../../kernel-lib/api/report.js')) as ApiReportModule;

describe('the API report', () => {
  let reports: Record<string, string>;
  beforeAll(() => {
    reports = apiReports();
  }, 120_000);

  it('lists what a cell author imports and leaves internals out', () => {
    const names = reports['campfires.api.txt']!.split('\n').map((line) => line.split(' ')[1]);
    expect(names).toEqual(expect.arrayContaining(['Campfire', 'createPipeline', 'SqliteRunLog', 'Simulation', 'generateObject', 'display', 'PartyBox']));
    expect(names).not.toContain('httpError');
    expect(names).not.toContain('RequestDeadline');
    expect(names).not.toContain('readPlainObject');
    expect(reports['display.api.txt']).toContain('const torchFlowPayloadSchema');
    expect(reports['testing.api.txt']).toContain('function startOllamaProtocolServer');
  });

  it('matches the checked-in kernel-lib/api/*.api.txt', () => {
    const differences = apiReportDifferences(reports);
    if (differences.length) {
      throw new Error(`The public surface differs from the API report:\n${differences.join('\n')}\nIf the change is meant, run \`${REGENERATE}\` and commit kernel-lib/api/.`);
    }
  });
});
