// The editor's form state of an executor and its conversion to and from the API's definition.
import type { ExecutorDefinition } from './types';

export interface DraftForm {
  name: string;
  description: string;
  type: 'code' | 'apiCall';
  language: 'python' | 'node' | 'php';
  mode: 'handler' | 'script';
  source: string;
  dependencies: string;
  /** One host pattern per line. */
  egress: string;
  memoryMb: string;
  timeoutMs: string;
  inputSchema: string;
  outputSchema: string;
  /** The apiCall spec as JSON text. */
  apiCall: string;
}

export const STARTER_SOURCE: Record<DraftForm['language'], string> = {
  python: 'def handler(input, ctx):\n    ctx.log("hello from python")\n    return {"echo": input}\n',
  node: 'export default async function handler(input, ctx) {\n  ctx.log("hello from node");\n  return { echo: input };\n}\n',
  php: '<?php\nfunction handler($input, $ctx) {\n    $ctx->log("hello from php");\n    return ["echo" => $input];\n}\n',
};

const pretty = (v: unknown) => (v === undefined || v === null ? '' : JSON.stringify(v, null, 2));

export function emptyDraft(): DraftForm {
  return {
    name: '', description: '', type: 'code', language: 'python', mode: 'handler', source: STARTER_SOURCE.python, dependencies: '',
    egress: '', memoryMb: '', timeoutMs: '10000', inputSchema: '', outputSchema: '', apiCall: '{\n  "method": "GET",\n  "url": "https://example.com"\n}',
  };
}

export function draftFromDefinition(d: ExecutorDefinition): DraftForm {
  return {
    name: d.name, description: d.description ?? '', type: d.type,
    language: d.code?.language ?? 'python', mode: d.code?.mode ?? 'handler', source: d.code?.source ?? '', dependencies: d.code?.dependencies ?? '',
    egress: (d.code?.egress ?? []).join('\n'), memoryMb: d.code?.memoryMb ? String(d.code.memoryMb) : '', timeoutMs: String(d.timeoutMs),
    inputSchema: pretty(d.inputSchema), outputSchema: pretty(d.outputSchema), apiCall: pretty(d.apiCall),
  };
}

/** A field of the form that does not make a definition, with why. */
export class DraftError extends Error {
  constructor(readonly field: keyof DraftForm, message: string) {
    super(message);
  }
}

function parseSchema(field: 'inputSchema' | 'outputSchema', text: string): Record<string, unknown> | null {
  if (!text.trim()) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('a JSON Schema is an object');
    return v as Record<string, unknown>;
  } catch (err) {
    throw new DraftError(field, err instanceof Error ? err.message : String(err));
  }
}

/** The definition the API takes (POST/PUT body without message, or the test run's draft). */
export function definitionFromDraft(f: DraftForm): Record<string, unknown> {
  const timeoutMs = Number(f.timeoutMs);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new DraftError('timeoutMs', 'time-out: a whole number of milliseconds');
  const def: Record<string, unknown> = {
    name: f.name, description: f.description, type: f.type, timeoutMs,
    inputSchema: parseSchema('inputSchema', f.inputSchema), outputSchema: parseSchema('outputSchema', f.outputSchema),
  };
  if (f.type === 'code') {
    const memory = f.memoryMb.trim() ? Number(f.memoryMb) : undefined;
    if (memory !== undefined && !Number.isInteger(memory)) throw new DraftError('memoryMb', 'memory: a whole number of MB');
    def.code = {
      language: f.language, mode: f.mode, source: f.source,
      ...(f.dependencies.trim() ? { dependencies: f.dependencies } : {}),
      ...(memory !== undefined ? { memoryMb: memory } : {}),
      egress: f.egress.split(/[\s,]+/).filter(Boolean),
    };
  } else {
    try {
      def.apiCall = JSON.parse(f.apiCall) as unknown;
    } catch (err) {
      throw new DraftError('apiCall', err instanceof Error ? err.message : String(err));
    }
  }
  return def;
}
