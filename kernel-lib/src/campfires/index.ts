/** The campfires area: campers, campfires, pipelines, replay, the live-alert campfires and the torch-flow view. Other areas import from here only. */
export { renderTemplate } from './prompt-template';
export { TorchbearerGrant } from './torchbearer';
export {
  type ReceivedTorch,
  type CamperContext,
  type CamperToken,
  type CamperAnswer,
  type CamperOptions,
  type SentTorch,
  Camper,
} from './camper';
export {
  createToolCamper,
  createRelayCamper,
  FunctionCamper,
  type ToolCamperInput,
  type ToolCamperFunction,
} from './function-camper';
export { type CampfireStrategy, type CampfireOptions, type CycleResult, Campfire } from './campfire';
export { type PipelineRunSummary, PipelineRun } from './pipeline-run';
export { createPipeline, type PipelineOptions, type PipelineRunOptions, Pipeline } from './pipeline';
export {
  latestPipelineRun,
  replayRun,
  comparableHandoffs,
  type RecordedTorch,
  type RecordedToolCall,
  type Handoff,
  Replay,
} from './replay';
export { type LLMCamperOptions, LLMCamper } from './llm-camper';
export { loadLiveAlertData, defaultLiveAlertFixtures, type LiveAlertData } from './live-alert-data';
export { crisisHeadlines, liveAlertToolCampers, type LiveAlertCampers } from './live-alert-campers';
export { liveAlertCampfires, createLiveAlertPipeline, type LiveAlertOptions } from './live-alert';
export { startSharedRun, type CampfireWorkerOptions, CampfireWorker } from './campfire-worker';
export { torchLine } from './torch-flow-chart';
export { torchFlowFromEvents, torchFlowFromRunLog } from './torch-flow-from-events';
export { torchFlowBundle } from './torch-flow-bundle';
