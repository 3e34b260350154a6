/**
 * Scrubbing in the browser: the built extension's renderers in a real JupyterLab page
 * (headless Chromium), timed in the page. Medians of 5, printed; targets, not tests:
 *   - a 10,000-torch flow renders in < 300 ms, and a scrub step repaints in < 16 ms;
 *   - a 500-turn council of 5 agents likewise (its charts drawn by vega).
 * A step is timed from the key press to the end of the style and layout it causes (for a
 * council: the turn panel and the cursor laid over the chart, which is not repainted).
 *   node -r ./test/helpers/register-ts.js bench/scrub.ts
 * Needs the built lab and extension (bash jupyterlab-extension/scripts/setup-lab.sh).
 */
import { openBrowser, startLab } from '../test/browser/lab-harness';
import type { SimulationPayload, TorchFlowPayload } from '../kernel-lib/src/display/payloads';

const RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** A pipeline of `campfires` campfires in a line, each speaking once a cycle, `torches` torches in all. */
function bigFlow(torches: number, campfires = 5): TorchFlowPayload {
  const names = Array.from({ length: campfires }, (_, index) => `stage-${index}`);
  return {
    version: 1,
    runId: 'bench-flow',
    title: `${torches} torches`,
    backend: 'bench',
    status: 'completed',
    campfires: names.map((name, index) => ({ name, campers: [`${name}-camper`], inputs: index === 0 ? [] : [`ch-${index - 1}`], output: `ch-${index}`, status: 'idle' as const })),
    channels: names.map((name, index) => ({ name: `ch-${index}`, from: [name], to: index + 1 < campfires ? [names[index + 1] as string] : [] })),
    torches: Array.from({ length: torches }, (_, index) => {
      const at = index % campfires;
      return {
        seq: index + 1,
        messageId: `m-${index + 1}`,
        cycle: Math.floor(index / campfires),
        from: names[at] as string,
        torchbearer: `${names[at]}-camper`,
        channel: `ch-${at}`,
        to: at + 1 < campfires ? [names[at + 1] as string] : [],
        claim: `claim ${index + 1}: something the stage noticed`,
        confidence: (index % 10) / 10,
        error: false,
        ts: 1_700_000_000_000 + index,
        metadata: { n: index },
      };
    }),
  };
}

/** A council of `agents` agents over `turns` turns, with prompts and answers kept. */
function bigCouncil(turns: number, agents = 5): SimulationPayload {
  const names = Array.from({ length: agents }, (_, index) => `Agent ${index}`);
  const actions = ['increase_resource', 'decrease_resource', 'pass', 'support_agent'];
  return {
    version: 1,
    runId: 'bench-council',
    title: `${turns}-turn council`,
    backend: 'bench',
    status: 'completed',
    agents: names.map((name) => ({ name, description: 'a member', policy: 'bench' })),
    turns: Array.from({ length: turns + 1 }, (_, turn) => ({ turn, resource_level: 50 + Math.round(20 * Math.sin(turn / 9)), stability: 50 + Math.round(15 * Math.cos(turn / 13)) })),
    actions: Array.from({ length: turns * agents }, (_, index) => ({
      turn: Math.floor(index / agents) + 1,
      agent: names[index % agents] as string,
      action: actions[index % actions.length] as string,
      target: null,
      reason: `reason ${index}`,
      success: index % 7 !== 0,
      message: `message ${index}`,
      fallback: false,
      prompt: `[user]\nYou are ${names[index % agents]}. ${'The granary is low. '.repeat(40)}`,
      answer: '{"action": "pass", "target": "world", "reason": "wait"}',
    })),
    textCap: 4000,
  };
}

async function main(): Promise<void> {
  const lab = await startLab({ withExtension: true, files: {} });
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(`${lab.url}/lab?reset&token=${lab.token}`);
    await page.waitForSelector('.jp-LauncherCard', { timeout: 90_000 });
    const flow = bigFlow(10_000);
    const council = bigCouncil(500);
    const results = await page.evaluate(
      async ({ flow, council, runs }) => {
        type Renderer = { node: HTMLElement; renderData(data: unknown): unknown; dispose(): void };
        const container = (window as unknown as { _JUPYTERLAB: Record<string, { get(module: string): Promise<() => { default: Array<{ rendererFactory: { mimeTypes: string[]; createRenderer(options: unknown): Renderer } }> }> }> })._JUPYTERLAB['campfires-jupyterlab'];
        if (!container) throw new Error('the campfires extension is not loaded in this lab');
        const extensions = (await container.get('./mimeExtension'))().default;
        const host = document.createElement('div');
        host.style.cssText = 'position:fixed;left:0;top:0;width:1100px;height:900px;overflow:auto;background:white;z-index:10000';
        document.body.append(host);
        const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
        const out: Record<string, number[]> = { flowRender: [], flowStep: [], councilRender: [], councilStep: [] };
        for (let run = 0; run < runs; run += 1) {
          for (const [key, payload, index] of [['flow', flow, 0], ['council', council, 1]] as const) {
            const factory = extensions[index]!.rendererFactory;
            const renderer = factory.createRenderer({ mimeType: factory.mimeTypes[0] });
            host.replaceChildren(renderer.node);
            await frame();
            let started = performance.now();
            await renderer.renderData(payload);
            renderer.node.getBoundingClientRect();
            out[`${key}Render`]!.push(performance.now() - started);
            await frame();
            const slider = renderer.node.querySelector('.cf-timeline-slider') as HTMLElement;
            slider.focus();
            // Ten steps back from the end, each timed on its own.
            for (let step = 0; step < 10; step += 1) {
              started = performance.now();
              slider.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true, cancelable: true }));
              renderer.node.getBoundingClientRect();
              out[`${key}Step`]!.push(performance.now() - started);
              await frame();
            }
            renderer.dispose();
          }
        }
        host.remove();
        return out;
      },
      { flow, council, runs: RUNS },
    );
    const line = (label: string, values: number[], target: number) => console.log(`${label}: median ${median(values).toFixed(1)} ms (target < ${target} ms; runs ${values.map((value) => value.toFixed(1)).join(', ')}${values.length > RUNS ? ', …' : ''})`);
    console.log(`scrub bench: ${RUNS} runs in headless Chromium, JupyterLab page, built extension`);
    line('10,000-torch flow, render', results.flowRender as number[], 300);
    line('10,000-torch flow, scrub step', results.flowStep as number[], 16);
    line('500-turn council of 5, render (charts drawn)', results.councilRender as number[], 300);
    line('500-turn council of 5, scrub step (turn panel and chart cursor)', results.councilStep as number[], 16);
    if (browser.errors.length > 0) console.log(`page errors: ${browser.errors.join('; ')}`);
  } finally {
    await browser.close();
    await lab.stop();
  }
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
