/**
 * The display area: MIME bundle types and payload schemas, the tslab bridge and
 * `display()`. A leaf that knows no domain: every engine builds its own bundle from
 * these types. `payloads.ts` is also the browser-safe `campfires/display` entry.
 */
export {
  TORCH_FLOW_MIME_TYPE,
  SIMULATION_MIME_TYPE,
  VEGA_LITE_MIME_TYPE,
  runStatusSchema,
  torchFlowCampfireSchema,
  torchFlowChannelSchema,
  torchFlowTorchSchema,
  torchFlowToolCallSchema,
  torchFlowModelAttemptSchema,
  TORCH_FLOW_TEXT_CAP,
  torchFlowErrorSchema,
  torchFlowPayloadSchema,
  simulationAgentSchema,
  simulationTurnSchema,
  simulationActionSchema,
  simulationPayloadSchema,
  torchFlowThinkingSchema,
  simulationThinkingSchema,
  THINKING_TEXT_LIMIT,
  thinkingTail,
  type TorchFlowThinking,
  type SimulationThinking,
  type MimeBundle,
  type RunStatus,
  type TorchFlowCampfire,
  type TorchFlowChannel,
  type TorchFlowTorch,
  type TorchFlowToolCall,
  type TorchFlowModelAttempt,
  type TorchFlowError,
  type TorchFlowPayload,
  type SimulationAgent,
  type SimulationTurn,
  type SimulationAction,
  type SimulationPayload,
  torchRecipients,
  ATTEMPT_OUTCOME_WORDS,
  playedTurns,
  shownActions,
} from './payloads';
export { inKernel, tslabPresence, type TslabPresence } from './tslab-bridge';
export { display, displayBundle, plainTextOf, type Displayable } from './display';
export { LiveDisplay, type LiveDisplayOptions } from './live-display';
export { tableBundle } from './table-bundle';
export { renderVegaSvg, renderVegaLiteSvg, svgThatFits } from './vega-render';
export { revealOptionSchema, revealSettings, revealSettingsOf, revealPieces, pause, type RevealOption, type RevealSettings } from './reveal';
