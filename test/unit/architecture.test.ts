/**
 * The layering holds: dependency-cruiser checks kernel-lib and the extension against
 * .dependency-cruiser.cjs (no import cycle, each layer imports only from the layers
 * below it, areas reached only through their index.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { z } from 'zod';

const root = join(__dirname, '..', '..');
const depcruise = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

const cruiseSchema = z.object({
  modules: z.array(z.object({ source: z.string(), dependencies: z.array(z.object({ resolved: z.string() })) })),
  summary: z.object({
    totalCruised: z.number(),
    violations: z.array(
      z.object({
        rule: z.object({ name: z.string() }),
        from: z.string(),
        to: z.string(),
        cycle: z.array(z.object({ name: z.string() })).optional(),
      }),
    ),
  }),
});

function cruise() {
  const result = spawnSync(
    process.execPath,
    [depcruise, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'kernel-lib/src', 'kernel-lib/examples', 'jupyterlab-extension/src'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) throw new Error(`dependency-cruiser failed (${result.status}): ${result.stderr}`);
  return cruiseSchema.parse(JSON.parse(result.stdout));
}

describe('the architecture', () => {
  let report: z.infer<typeof cruiseSchema>;
  beforeAll(() => {
    report = cruise();
  }, 120_000);

  it('cruises every source file of the library and the extension', () => {
    const sources = report.modules.map((module) => module.source);
    expect(sources).toEqual(expect.arrayContaining(['kernel-lib/src/index.ts', 'kernel-lib/src/display/index.ts', 'kernel-lib/src/campfires/pipeline.ts', 'jupyterlab-extension/src/index.ts']));
    const pipeline = report.modules.find((module) => module.source === 'kernel-lib/src/campfires/pipeline.ts');
    expect(pipeline?.dependencies.map((dependency) => dependency.resolved)).toContain('kernel-lib/src/display/index.ts');
  });

  it('has no import cycle, no layer break and no reach past an index.ts', () => {
    const violations = report.summary.violations.map((violation) =>
      violation.cycle
        ? `${violation.rule.name}: ${violation.from} -> ${violation.cycle.map((step) => step.name).join(' -> ')}`
        : `${violation.rule.name}: ${violation.from} -> ${violation.to}`,
    );
    // Each line names the rule in .dependency-cruiser.cjs and the import that breaks it.
    expect(violations).toEqual([]);
  });
});
