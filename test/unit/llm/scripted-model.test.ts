import { ModelError, ScriptedModel, type ModelRequest } from 'campfires';
import { describeLanguageModel } from '../../contracts/language-model.contract';

describeLanguageModel(
  'ScriptedModel',
  async (script) =>
    new ScriptedModel(
      script.map(({ answer }) =>
        'failure' in answer ? new ModelError({ code: 'model_provider_error', message: answer.failure }) : { text: answer.text, usage: { inputTokens: answer.usage.input, outputTokens: answer.usage.output } },
      ),
      { delayMs: Math.max(0, ...script.map(({ answer }) => ('delayMs' in answer ? (answer.delayMs ?? 0) : 0))) },
    ),
  { streams: false, slowAnswers: true },
);

const user = (content: string): ModelRequest => ({ messages: [{ role: 'user', content }] });

describe('ScriptedModel', () => {
  it('asks its responder once the listed answers are used, numbering the calls from 1', async () => {
    const model = new ScriptedModel((request, call) => `${call}: ${request.messages[0]?.content}`).say('listed first');
    expect((await model.generate(user('a'))).text).toBe('listed first');
    expect((await model.generate(user('b'))).text).toBe('2: b');
    expect((await model.generate(user('c'))).text).toBe('3: c');
    expect(model.requests.map((request) => request.messages[0]?.content)).toEqual(['a', 'b', 'c']);
  });

  it('throws the error its responder returns', async () => {
    const model = new ScriptedModel((_request, call) => (call === 1 ? new ModelError({ code: 'model_rate_limited', message: 'slow down' }) : 'ok'));
    await expect(model.generate(user('a'))).rejects.toMatchObject({ code: 'model_rate_limited' });
    expect((await model.generate(user('b'))).text).toBe('ok');
  });

  it('says when its script has run out, naming the request', async () => {
    const model = new ScriptedModel(['only one']);
    await model.generate(user('first'));
    await expect(model.generate(user('second question'))).rejects.toMatchObject({ code: 'scripted_model_empty', message: expect.stringContaining('"second question"') });
  });

  it('repeats its last answer when told to, and reports the usage it was given', async () => {
    const model = new ScriptedModel(['a', 'b'], { repeatLast: true, usage: { inputTokens: 3, outputTokens: 1 } });
    const texts = [];
    for (let call = 0; call < 4; call += 1) texts.push((await model.generate(user(`${call}`))).text);
    expect(texts).toEqual(['a', 'b', 'b', 'b']);
    expect((await model.generate(user('again'))).usage).toEqual({ inputTokens: 3, outputTokens: 1 });
  });
});
