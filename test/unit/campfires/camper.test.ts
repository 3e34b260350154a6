import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Camper, Campfire, ManualClock, NotFoundError, PermissionError, ValidationError, createToolCamper, type CamperContext, type Torch } from 'campfires';
import { renderTemplate } from 'campfires/campfires';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'camper-'));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

class TemplateCamper extends Camper {
  constructor(private readonly templatePath: string, private readonly values: Record<string, unknown> = {}) {
    super('reporter', { clock: new ManualClock(Date.UTC(2026, 2, 14, 22, 5, 9)) });
  }
  override buildPrompt(): Promise<string> {
    return this.loadRag(this.templatePath, this.values);
  }
  override overridePrompt(prompt: string): string {
    return prompt;
  }
}

const context = (inputs: CamperContext['inputs'] = []): CamperContext => ({
  campfire: 'scrape',
  cycle: 1,
  inputs,
  previous: null,
  partyBox: null,
  clock: new ManualClock(),
});

describe('Camper.loadRag', () => {
  it('renders the prompt field of a JSON template with time, camper name and the caller values', async () => {
    const file = join(directory, 'prompt.json');
    writeFileSync(file, JSON.stringify({ prompt: 'At {time} {camper_name} reads {subreddit}. {{not a placeholder}}' }));
    const torch = await new TemplateCamper(file, { subreddit: 'r/worldnews' }).answer(context());
    expect(torch?.claim).toBe('At 2026-03-14 22:05:09 reporter reads r/worldnews. {not a placeholder}');
  });

  it('renders the template field of a YAML file with timestamp and the asset path of the input torch', async () => {
    const file = join(directory, 'prompt.yaml');
    writeFileSync(file, 'template: "Look at {asset_path} (as of {timestamp})"\n');
    const inputs = [{ channel: 'maps', from: 'scrape', messageId: 'msg_1', torch: { version: 1 as const, claim: 'map', confidence: 1, path: './party_box/images/0123456789abcdef.png', metadata: {} } }];
    const torch = await new TemplateCamper(file).answer(context(inputs));
    expect(torch?.claim).toBe('Look at ./party_box/images/0123456789abcdef.png (as of 2026-03-14T22:05:09.000Z)');
  });

  it('uses a text file whole', async () => {
    const file = join(directory, 'prompt.txt');
    writeFileSync(file, 'Summarise for {city}.');
    expect((await new TemplateCamper(file, { city: 'London' }).answer(context()))?.claim).toBe('Summarise for London.');
  });

  it('says which file is missing', async () => {
    const file = join(directory, 'nope.yaml');
    await expect(new TemplateCamper(file).answer(context())).rejects.toThrow(NotFoundError);
    await expect(new TemplateCamper(file).answer(context())).rejects.toThrow(`prompt template ${file} could not be read: no such file`);
  });

  it('names a placeholder that has no value, and the values there are', async () => {
    const file = join(directory, 'prompt.json');
    writeFileSync(file, JSON.stringify({ prompt: 'Check {asset_path} for {city}' }));
    const error = await new TemplateCamper(file).answer(context()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toContain('uses {asset_path}, {city} but no value was given');
    expect((error as ValidationError).issues.map((issue) => issue.field)).toEqual(['values.asset_path', 'values.city']);
  });

  it('refuses a JSON template with neither prompt nor template', async () => {
    const file = join(directory, 'prompt.json');
    writeFileSync(file, JSON.stringify({ text: 'hi' }));
    await expect(new TemplateCamper(file).answer(context())).rejects.toThrow(/needs a "prompt" or "template" string/);
  });
});

describe('renderTemplate', () => {
  it('writes objects as JSON and numbers as text', () => {
    expect(renderTemplate('{n} {o}', { n: 3, o: { a: 1 } })).toBe('3 {"a":1}');
  });
});

describe('Camper', () => {
  it('turns a string answer into a torch with confidence 1, and null into no torch', async () => {
    expect(await createToolCamper('a', () => 'bridge down').answer(context())).toEqual({ version: 1, claim: 'bridge down', confidence: 1, metadata: {} });
    expect(await createToolCamper('b', () => null).answer(context())).toBeNull();
  });

  it('refuses a bad camper name, naming it', () => {
    expect(() => createToolCamper('', () => null)).toThrow(/camper name "" is not allowed/);
    expect(() => createToolCamper('../x', () => null)).toThrow(ValidationError);
  });

  it('may not publish before it joins a campfire', async () => {
    await expect(createToolCamper('loner', () => null).publish({ claim: 'hello' })).rejects.toBeInstanceOf(PermissionError);
  });
});

describe('a camper that overrides answer', () => {
  it('is still asked through its own answer by its campfire', async () => {
    class Counting extends Camper {
      calls = 0;
      override overridePrompt(): string {
        return 'plain';
      }
      override async answer(context: CamperContext): Promise<Torch | null> {
        this.calls += 1;
        const torch = await super.answer(context);
        return torch ? { ...torch, claim: `${torch.claim} (checked)` } : null;
      }
    }
    const camper = new Counting('counting');
    const result = await new Campfire({ name: 'c', campers: [camper], output: null }).cycle();
    expect(camper.calls).toBe(1);
    expect(result.torch?.claim).toBe('plain (checked)');
  });
});
