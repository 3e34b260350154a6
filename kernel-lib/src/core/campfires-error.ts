/** JSON-safe details attached to an error, written as-is to the run log. */
export type ErrorDetails = Record<string, unknown>;

export interface CampfiresErrorInit {
  /** Stable machine-readable code, e.g. `torch_too_large`. */
  code: string;
  /** A sentence a notebook user can act on: what was given and what is allowed. */
  message: string;
  details?: ErrorDetails;
  cause?: unknown;
}

/** The one base class of every error this library throws; `code` is stable across versions. */
export class CampfiresError extends Error {
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(init: CampfiresErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.code = init.code;
    this.details = init.details ?? {};
  }

  /** The shape stored in the run log and returned over MCP. */
  toJSON(): { name: string; code: string; message: string; details: ErrorDetails } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/** One problem found while validating input: where, what was given, what is allowed. */
export interface ValidationIssue {
  /** Dotted path of the field, e.g. `torch.confidence` or `args.status`. */
  field: string;
  message: string;
  given?: unknown;
  allowed?: unknown;
}

/** Input that does not fit its schema; `issues` lists every problem, not just the first. */
export class ValidationError extends CampfiresError {
  readonly issues: ValidationIssue[];

  constructor(init: CampfiresErrorInit & { issues?: ValidationIssue[] }) {
    const issues = init.issues ?? [];
    super({ ...init, details: { ...init.details, issues } });
    this.issues = issues;
  }
}

/** A torch whose JSON is larger than the 1 KiB limit. */
export class TorchTooLargeError extends ValidationError {}
/** An asset larger than the Party Box allows (10 MB by default). */
export class AssetTooLargeError extends ValidationError {}
/** A call refused by a rate limit; `retryAt` says when calls are allowed again. */
export class RateLimitedError extends CampfiresError {
  get retryAt(): number | undefined {
    const value = this.details.retryAt;
    return typeof value === 'number' ? value : undefined;
  }
}
/** A language model call that failed: unreachable host, missing model, bad key, malformed body, timeout. */
export class ModelError extends CampfiresError {}
/** A convention declaration that does not pass lint. */
export class LintError extends CampfiresError {}
/** An action the caller is not allowed to take (write without the torch, low operator level, forged signature). */
export class PermissionError extends CampfiresError {}
/** Something asked for by id or name that does not exist (asset hash, run id, cassette entry). */
export class NotFoundError extends CampfiresError {}
