import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { SIMULATION_MIME, TORCH_FLOW_MIME } from './mime-types';
import { SimulationRenderer } from './simulation-renderer';
import { TorchFlowRenderer } from './torch-flow-renderer';

export { TorchFlowRenderer } from './torch-flow-renderer';
export { SimulationRenderer } from './simulation-renderer';
export { TORCH_FLOW_MIME, SIMULATION_MIME } from './mime-types';

/** The torch-flow MIME renderer extension (campfires, channels and torches of a pipeline run). */
export const torchFlowExtension: IRenderMime.IExtension = {
  id: 'campfires-jupyterlab:torchflow',
  description: 'Renders Campfires torch flows.',
  rendererFactory: {
    safe: true,
    mimeTypes: [TORCH_FLOW_MIME],
    // Below text/html (50) and vega-lite (57), so our view wins over the fallbacks in the same bundle.
    defaultRank: 40,
    createRenderer: (options) => new TorchFlowRenderer({ mimeType: options.mimeType, resolver: options.resolver }),
  },
  dataType: 'json',
};

/** The council-simulation MIME renderer extension (world-state and action charts). */
export const simulationExtension: IRenderMime.IExtension = {
  id: 'campfires-jupyterlab:simulation',
  description: 'Renders Campfires council simulations as interactive charts.',
  rendererFactory: {
    safe: true,
    mimeTypes: [SIMULATION_MIME],
    // Below text/html (50) and vega-lite (57), so our view wins over the fallbacks in the same bundle.
    defaultRank: 40,
    createRenderer: (options) => new SimulationRenderer({ mimeType: options.mimeType }),
  },
  dataType: 'json',
};

/** Both renderers, as JupyterLab loads a mime extension module's default export. */
const extensions: IRenderMime.IExtension[] = [torchFlowExtension, simulationExtension];
export default extensions;
