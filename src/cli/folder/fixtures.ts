// Test fixtures of an executor folder (tests/*.json): reading them strictly and checking a result against `expect`.
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { FolderReadError } from '../../executors-folder/folder-read-error.js';
import { parseJsonText, stableJson } from '../../executors-folder/json-file.js';
import type { FolderProblem } from '../../executors-folder/layout.js';

export const FIXTURES_DIR = 'tests';

export type Expectation =
  | { status: 'ok'; output?: unknown; outputContains?: unknown }
  | { status: 'error'; code?: string; messageContains?: string };

export interface Fixture {
  /** Relative to the executors dir, e.g. `get_offer/tests/berlin.json`. */
  file: string;
  input: Record<string, unknown>;
  expect: Expectation;
}

/** The result of `POST /api/executors/{name}/test` that a fixture is checked against. */
export interface TestRunResult {
  status: 'ok' | 'error';
  output?: unknown;
  error?: { code: string; message: string };
  logs?: Array<{ level: string; message: string }>;
  durationMs: number;
  executionId: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const ALLOWED: Record<string, string[]> = { ok: ['status', 'output', 'outputContains'], error: ['status', 'code', 'messageContains'] };

/** Reads `<dir>/<name>/tests/*.json` in name order; problems are collected, not thrown one by one. */
export function readFixtures(dir: string, name: string, problems: FolderProblem[]): Fixture[] {
  const folder = path.join(dir, name, FIXTURES_DIR);
  if (!fs.existsSync(folder)) return [];
  const fixtures: Fixture[] = [];
  for (const f of fs.readdirSync(folder).filter((x) => x.endsWith('.json')).sort()) {
    const file = path.join(dir, name, FIXTURES_DIR, f);
    const problem = (message: string, field?: string) => problems.push({ file, message, ...(field ? { field } : {}) });
    let json: unknown;
    try {
      json = parseJsonText(fs.readFileSync(path.join(folder, f), 'utf8'), file);
    } catch (err) {
      if (!(err instanceof FolderReadError)) throw err;
      problem(err.message.replace(`${file}: `, ''));
      continue;
    }
    if (!isObject(json)) {
      problem('must hold a JSON object {"input": {...}, "expect": {...}}');
      continue;
    }
    for (const key of Object.keys(json).filter((k) => k !== 'input' && k !== 'expect' && k !== 'description')) problem('unknown key (a fixture has "input", "expect" and an optional "description")', `/${key}`);
    if (!('input' in json)) problem('is missing: a fixture needs an "input" object', '/input');
    else if (!isObject(json.input)) problem('must be a JSON object', '/input');
    const expect = json.expect ?? { status: 'ok' };
    if (!isObject(expect) || (expect.status !== 'ok' && expect.status !== 'error')) {
      problem('must be {"status": "ok", "output"?: …, "outputContains"?: …} or {"status": "error", "code"?: "…", "messageContains"?: "…"}', '/expect');
      continue;
    }
    for (const key of Object.keys(expect).filter((k) => !ALLOWED[expect.status as string]!.includes(k))) {
      problem(`is not an expectation of status "${String(expect.status)}" (use ${ALLOWED[expect.status as string]!.slice(1).join(' or ')})`, `/expect/${key}`);
    }
    if (expect.status === 'error' && expect.code !== undefined && typeof expect.code !== 'string') problem('must be an error code such as "INPUT_INVALID"', '/expect/code');
    if (isObject(json.input)) fixtures.push({ file, input: json.input, expect: expect as Expectation });
  }
  return fixtures;
}

/** True when `actual` has everything `expected` has: objects may have more keys (recursively); arrays and scalars must match. */
export function containsDeep(actual: unknown, expected: unknown): boolean {
  if (isObject(expected)) return isObject(actual) && Object.entries(expected).every(([k, v]) => k in actual && containsDeep(actual[k], v));
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((v, i) => containsDeep(actual[i], v));
  return isDeepStrictEqual(actual, expected);
}

function jsonDiff(expected: unknown, actual: unknown): string {
  return createTwoFilesPatch('expected', 'actual', stableJson(expected), stableJson(actual), undefined, undefined, { headerOptions: FILE_HEADERS_ONLY });
}

/** Why a result does not meet the fixture's expectation (empty when it passes). */
export function checkResult(expect: Expectation, r: TestRunResult): string[] {
  if (expect.status === 'ok') {
    if (r.status !== 'ok') return [`expected status ok, got error ${r.error?.code}: ${r.error?.message}`];
    const why: string[] = [];
    if ('output' in expect && !isDeepStrictEqual(r.output, expect.output)) why.push(`output differs:\n${jsonDiff(expect.output, r.output)}`);
    if ('outputContains' in expect && !containsDeep(r.output, expect.outputContains)) why.push(`output does not contain the expected values:\n${jsonDiff(expect.outputContains, r.output)}`);
    return why;
  }
  if (r.status !== 'error') return [`expected an error${expect.code ? ` ${expect.code}` : ''}, got status ok with output ${JSON.stringify(r.output)}`];
  const why: string[] = [];
  if (expect.code && r.error?.code !== expect.code) why.push(`expected error ${expect.code}, got ${r.error?.code}: ${r.error?.message}`);
  if (expect.messageContains && !r.error?.message.includes(expect.messageContains)) why.push(`expected the error message to contain ${JSON.stringify(expect.messageContains)}, got ${JSON.stringify(r.error?.message)}`);
  return why;
}
