/** The simulation area: council simulations: world, agents, controller, config, persona experiments and their view. Other areas import from here only. */
export {
  quickParseModelAction,
  quickReadModelAction,
  normalizeModelAction,
  type ActionType,
  type WorldState,
  type CouncilState,
  type AgentState,
  actionSchema,
  type Action,
  modelActionSchema,
  type Persona,
  type RoundSummary,
} from './models';
export {
  describeChange,
  type ActionOutcome,
  type ActionChange,
  type ActionCheck,
  type ActionTarget,
  type AllowedAction,
  type CouncilWorld,
  type WorldActionInfo,
  type WorldActionRule,
  type WorldDefinition,
  type WorldSpec,
  COUNCIL_ACTIONS,
  councilWorld,
  defineWorld,
  World,
} from './world';
export { deriveSeed } from './seeds';
export {
  simulationConfigFrom,
  loadSimulationConfig,
  loadPersonas,
  validateConfigFile,
  type StopCondition,
  type SimulationConfig,
} from './simulation-config';
export { type Observation, type AgentToken, type DecisionTrace, type CouncilAgent, BaseCouncilAgent } from './council-agent';
export { leaningsOf, PERSONA_POLICY_LABEL, type Leaning, PersonaPolicyAgent } from './persona-policy-agent';
export { LLM_FALLBACK_REASON, type LLMAgentOptions, LLMAgent } from './llm-agent';
export { actionJsonSchema, describeRound, buildActionPrompt } from './simulation-prompt';
export { SimulationController } from './simulation-controller';
export { SimulationTimeline, TurnReplay } from './simulation-views';
export { type SimulationOptions, type ModelBackendName, type ForkOptions, type ForkedFrom, Simulation } from './simulation';
export { type ForkSettings } from './simulation-fork';
export { compareRuns, RunComparison, type ComparedRun } from './run-comparison';
export {
  runPersonaExperiment,
  type ExperimentVariant,
  type PersonaExperimentOptions,
  type ExperimentOutcome,
  type ExperimentSummaryRow,
  type Spread,
  DEFAULT_EXPERIMENT_SEED,
  ExperimentSummary,
  PersonaExperiment,
} from './persona-experiment';
export { startExperimentWorker, EXPERIMENT_QUEUE_NAME, type ExperimentWorker, type ExperimentWorkerOptions, type QueueProgress } from './experiment-queue';
export { simulationBundle } from './simulation-bundle';
export { narrateAction, narrateEnd } from './narrator';
export { actionRecordSchema, type ActionRecord, type ForkMeta } from './simulation-record';
