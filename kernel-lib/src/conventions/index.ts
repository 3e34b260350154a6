/** The conventions area: declarations, lint, args, the executor and server, the store, the registry and the digital twin. Other areas import from here only. */
export {
  camelName,
  kebabName,
  type ArgDescriptor,
  type Declaration,
  type ParsedDeclaration,
} from './declaration';
export { patternProblem } from './pattern-safety';
export { LINT_CHECKS, lintDeclaration, parseDeclaration, type LintCheck, type LintContext, type LintFinding, type LintResult } from './lint';
export { conventionRateLimit, conventionRateLimitKey } from './convention-rate-limit';
export { describeArgType, resolveArgs } from './args';
export { filterTags, composeTags } from './tags';
export { defaultStorePath, CampfireStore } from './campfire-store';
export { CampfireClient } from './campfire-client';
export {
  type ExecutionStatus,
  type ExecutionResult,
  type ExecuteOptions,
  ConventionExecutor,
} from './executor';
export {
  type ConventionRequest,
  type ConventionResponse,
  type ConventionHandler,
  ConventionServer,
} from './server';
export {
  listOperations,
  promoteDeclaration,
  revokeDeclaration,
  type RegisteredOperation,
  type PromoteResult,
} from './registry';
export { toolFromDeclaration, clashingOperations, TOOL_DESCRIPTION_MAX_BYTES, type ToolDefinition } from './tool-definition';
export { describeResponse, OperationHelp } from './operation-help';
export {
  joinCampfire,
  type OperationFunction,
  type Operations,
  type JoinOptions,
  CampfireSession,
} from './campfire-session';
export { generateTypes } from './type-generator';
export {
  declarationFiles,
  testDeclaration,
  testDeclarationPath,
  type TwinStep,
  type TwinResult,
} from './digital-twin';
