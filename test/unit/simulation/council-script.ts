import { ScriptedModel, type ModelRequest } from 'campfires';

/** The persona a council prompt speaks to ("You are Mayor. ..."), or `?`. */
export function agentOf(request: ModelRequest): string {
  const user = request.messages.find((message) => message.role === 'user')?.content ?? '';
  return /^You are ([^.]+)\./.exec(user)?.[1] ?? '?';
}

/**
 * A scripted model for a council: `answer` gets the persona asking (from the prompt), the
 * call number and the request, and returns the answer's text or an error to throw.
 */
export function councilModel(answer: (agent: string, call: number, request: ModelRequest) => string | Error, modelId = 'script', delayMs = 0): ScriptedModel {
  return new ScriptedModel((request, call) => answer(agentOf(request), call, request), { modelId, delayMs });
}

/** A persona with the given biases. */
export function persona(name: string, biases: string[] = ['neutral observer']) {
  return { name, description: `${name} of the council.`, goals: [`${name}'s goal`], behavior_biases: biases };
}
