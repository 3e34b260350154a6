import { join } from 'node:path';
import { testDeclaration, testDeclarationPath } from 'campfires';

const fixtures = join(__dirname, '../../../fixtures/conventions');

describe('digital twin', () => {
  it.each(['task-runner', 'torch-relay', 'moderation-queue'])('passes every declaration of %s', async (folder) => {
    const results = await testDeclarationPath(join(fixtures, folder));
    for (const result of results) expect({ file: result.file, status: result.status, steps: result.steps.filter((step) => !step.ok) }).toEqual({ file: result.file, status: 'PASS', steps: [] });
    expect(results).toHaveLength(2);
  });

  it('fails a declaration at lint and says why', async () => {
    const [result] = await testDeclarationPath(join(fixtures, 'invalid/unknown-arg-type.json'));
    expect(result?.status).toBe('FAIL');
    expect(result?.steps).toEqual([{ step: 'lint', ok: false, detail: expect.stringContaining('"uuid" is not one of') }]);
  });

  it('fails execution when the synthetic value breaks a constraint', async () => {
    const result = await testDeclaration({ convention: 'c', version: '1', operation: 'op', signing: 'member_key', args: [{ name: 'code', type: 'string', pattern: '[0-9]+' }] });
    expect(result.status).toBe('FAIL');
    expect(result.steps.at(-1)).toMatchObject({ step: 'execute', ok: false, detail: expect.stringContaining('does not match the pattern [0-9]+') });
  });
});
