// Bounds on every user-controlled evaluation (JSON bodies, JSON Schema, JSON Logic, Mustache, event-loop lag) and their defaults.

export interface EvaluationLimits {
  /** Deepest nesting of arrays/objects accepted in a JSON request body. */
  jsonBodyMaxDepth: number;
  /** Largest serialized JSON Schema (bytes). */
  schemaMaxBytes: number;
  /** Deepest nesting of a JSON Schema document. */
  schemaMaxDepth: number;
  /** Most subschemas (objects in schema positions) in one JSON Schema document. */
  schemaMaxSubschemas: number;
  /** Most subschema visits once every `$ref` is expanded (what validation may walk per value). */
  schemaMaxRefExpansion: number;
  /** Subschema checks one validation may cost: (nodes of the value) × (the schema's expansion). */
  schemaMaxValidationCost: number;
  /** Compiled validators kept (LRU), over all workspaces. */
  schemaCacheSize: number;
  /** Largest serialized JSON Logic rule or filter (bytes). */
  logicMaxBytes: number;
  /** Deepest nesting of a JSON Logic rule or filter. */
  logicMaxDepth: number;
  /** Operations one JSON Logic evaluation may perform. */
  logicMaxOperations: number;
  /** Operations all evaluations of one request (a published batch, an agent's rules) may perform together. */
  logicMaxOperationsPerRequest: number;
  /** Longest string or array one JSON Logic operation (`cat`, `merge`, `map` …) may produce. */
  logicMaxResultLength: number;
  /** Deepest nesting of Mustache sections in one template. */
  templateMaxSectionDepth: number;
  /** Largest output of one Mustache rendering (characters). */
  templateMaxOutputChars: number;
  /** Section iterations (array items rendered) one Mustache rendering may perform. */
  templateMaxIterations: number;
  /** Event-loop lag (ms) above which /readyz reports the loop as unhealthy. */
  eventLoopLagThresholdMs: number;
  /** How long (ms) a lag above the threshold keeps /readyz unhealthy. */
  eventLoopLagWindowMs: number;
}

export const DEFAULT_EVALUATION_LIMITS: Readonly<EvaluationLimits> = Object.freeze({
  jsonBodyMaxDepth: 64,
  schemaMaxBytes: 256 * 1024,
  schemaMaxDepth: 32,
  schemaMaxSubschemas: 5_000,
  schemaMaxRefExpansion: 20_000,
  schemaMaxValidationCost: 20_000_000,
  schemaCacheSize: 1_000,
  logicMaxBytes: 16 * 1024,
  logicMaxDepth: 32,
  logicMaxOperations: 10_000,
  logicMaxOperationsPerRequest: 50_000,
  logicMaxResultLength: 100_000,
  templateMaxSectionDepth: 8,
  templateMaxOutputChars: 256 * 1024,
  templateMaxIterations: 20_000,
  eventLoopLagThresholdMs: 1_000,
  eventLoopLagWindowMs: 60_000,
});

let current: EvaluationLimits = { ...DEFAULT_EVALUATION_LIMITS };

/**
 * The limits in force. They are process-wide on purpose: evaluators are plain functions called from many services,
 * and a server process has one configuration (createOutrigger sets it from the config).
 */
export function evaluationLimits(): Readonly<EvaluationLimits> {
  return current;
}

/** Sets the limits in force (createOutrigger; tests that need a tighter bound). */
export function setEvaluationLimits(limits: Partial<EvaluationLimits>): void {
  current = { ...DEFAULT_EVALUATION_LIMITS, ...limits };
}

/** A bound that was hit: services turn it into a 400 (on save) or a failed run naming the field. */
export class LimitExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LimitExceededError';
  }
}
