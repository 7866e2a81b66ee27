// The executors-as-files layout: <dir>/<name>/executor.json, the language's source file (main.py, …), its dependency
// file, tests/*.json.
import fs from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { EXECUTOR_NAME_PATTERN, ExecutorInput, normalizeDefinition, type ExecutorDefinition } from '../executors/definition.js';
import { ProblemError } from '../errors.js';
import type { CodeLanguage } from '../executors/sandbox/contract.js';
import { LANGUAGES, RUNTIMES } from '../executors/sandbox/runtimes/index.js';
import { FolderReadError } from './folder-read-error.js';
import { parseJsonText, readTextIfExists, stableJson } from './json-file.js';
import { jsonPointerLines, lineOf } from './json-lines.js';

type Language = CodeLanguage;
export const DEFINITION_FILE = 'executor.json';
/** File names per language come from the runtimes (one folder per language): a new language needs nothing here. */
export const SOURCE_FILES = Object.fromEntries(LANGUAGES.map((l) => [l, RUNTIMES[l].mainFile])) as Record<Language, string>;
export const DEPENDENCY_FILES = Object.fromEntries(LANGUAGES.map((l) => [l, RUNTIMES[l].dependencyFile])) as Record<Language, string>;
/** "main.py, main.mjs or main.php" (for messages). */
const orList = (names: string[]) => `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
const LANGUAGE_OF_SOURCE = new Map(Object.entries(SOURCE_FILES).map(([lang, file]) => [file, lang as Language]));
/** Every file name pull writes and may remove again (tests/ and anything else in the folder are the user's). */
const MANAGED_FILES = [DEFINITION_FILE, ...Object.values(SOURCE_FILES), ...Object.values(DEPENDENCY_FILES)];

/** One thing wrong with a folder, named by file (relative to the executors dir) and JSON pointer. */
export interface FolderProblem {
  file: string;
  /** The line of the field in a JSON file, where known. */
  line?: number;
  field?: string;
  message: string;
}

/** Problems found in local folders; the message lists every one of them. */
export class FolderError extends FolderReadError {
  constructor(readonly problems: FolderProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

/** `file: field message`, the way push and test print a problem. */
export function formatProblem(p: FolderProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.field ? `${p.field} ` : ''}${p.message}`;
}

/** An executor read from its folder: the normalized definition and where each part came from. */
export interface LocalExecutor {
  name: string;
  folder: string;
  definition: ExecutorDefinition;
  /** Maps a JSON pointer of the definition to the file it comes from (for server-side field errors). */
  fileOf(field: string): string;
}

/** The executor names with a folder under `dir` (sub-directories holding an executor.json), sorted. */
export function listExecutorFolders(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FolderReadError(`folder ${dir} does not exist (pass --dir, or run \`outrigger pull\` to create it)`);
    throw new FolderReadError(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return entries.filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, DEFINITION_FILE))).map((e) => e.name).sort();
}

/** The names given on the command line, or every executor folder under `dir`. */
export function selectFolders(dir: string, names: string[]): string[] {
  const all = listExecutorFolders(dir);
  if (!names.length) {
    if (!all.length) throw new FolderReadError(`no executor folders in ${dir} (expected ${dir}/<name>/${DEFINITION_FILE})`);
    return all;
  }
  const missing = names.filter((n) => !all.includes(n));
  if (missing.length) {
    throw new FolderError(missing.map((n) => ({
      file: path.join(dir, n),
      message: fs.existsSync(path.join(dir, n)) ? `has no ${DEFINITION_FILE}` : 'folder does not exist',
    })));
  }
  return names;
}

/** The files that represent a definition (name → text), as pull writes them. */
export function definitionToFiles(def: ExecutorDefinition): Map<string, string> {
  const files = new Map<string, string>();
  const json: Record<string, unknown> = { ...def };
  if (def.code) {
    const { source, dependencies, ...rest } = def.code;
    json.code = rest;
    files.set(SOURCE_FILES[def.code.language], source);
    if (dependencies) files.set(DEPENDENCY_FILES[def.code.language], dependencies);
  }
  files.set(DEFINITION_FILE, stableJson(json));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Writes a definition into `<dir>/<name>/`, removing managed files it no longer has; returns the files that changed. */
export function writeExecutorFolder(dir: string, def: ExecutorDefinition): string[] {
  const folder = path.join(dir, def.name);
  fs.mkdirSync(folder, { recursive: true });
  const files = definitionToFiles(def);
  const changed: string[] = [];
  for (const [file, text] of files) {
    if (readTextIfExists(path.join(folder, file)) === text) continue;
    fs.writeFileSync(path.join(folder, file), text);
    changed.push(file);
  }
  for (const file of MANAGED_FILES) {
    if (!files.has(file) && fs.existsSync(path.join(folder, file))) {
      fs.rmSync(path.join(folder, file));
      changed.push(`-${file}`);
    }
  }
  return changed;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and validates one executor folder; every problem found is thrown together as a FolderError. */
export function readExecutorFolder(dir: string, name: string): LocalExecutor {
  const folder = path.join(dir, name);
  const rel = (file: string) => path.join(dir, name, file);
  const problems: FolderProblem[] = [];
  const fail = (file: string, message: string, field?: string) => problems.push({ file: rel(file), message, ...(field ? { field } : {}) });
  if (!new RegExp(EXECUTOR_NAME_PATTERN).test(name)) fail('', `the folder name is not a valid executor name (${EXECUTOR_NAME_PATTERN})`);
  const text = readTextIfExists(path.join(folder, DEFINITION_FILE));
  if (text === undefined) throw new FolderError([{ file: rel(DEFINITION_FILE), message: 'is missing' }]);
  let json: unknown;
  try {
    json = parseJsonText(text, rel(DEFINITION_FILE));
  } catch (err) {
    const m = /line (\d+)/.exec((err as Error).message);
    throw new FolderError([{ file: rel(DEFINITION_FILE), ...(m ? { line: Number(m[1]) } : {}), message: (err as Error).message.replace(`${rel(DEFINITION_FILE)}: `, '') }]);
  }
  try {
    return readParsedFolder(dir, name, json, problems);
  } catch (err) {
    // Fields of executor.json are named with their line (the pointer of the definition is the pointer in the file).
    if (err instanceof FolderError) {
      const lines = jsonPointerLines(text);
      for (const p of err.problems) if (p.file === rel(DEFINITION_FILE) && p.line === undefined) p.line = lineOf(lines, p.field ?? '');
      throw new FolderError(err.problems);
    }
    throw err;
  }
}

function readParsedFolder(dir: string, name: string, json: unknown, problems: FolderProblem[]): LocalExecutor {
  const folder = path.join(dir, name);
  const rel = (file: string) => path.join(dir, name, file);
  const fail = (file: string, message: string, field?: string) => problems.push({ file: rel(file), message, ...(field ? { field } : {}) });
  if (!isObject(json)) throw new FolderError([{ file: rel(DEFINITION_FILE), message: 'must hold a JSON object' }]);
  if (json.message !== undefined) fail(DEFINITION_FILE, 'is not part of a definition; give a version message with `outrigger push -m`', '/message');
  if (json.name !== undefined && json.name !== name) fail(DEFINITION_FILE, `is "${String(json.name)}" but the folder is "${name}"`, '/name');

  const files = fs.readdirSync(folder);
  const mains = files.filter((f) => /^main\.[^.]+$/.test(f));
  for (const f of mains.filter((m) => !LANGUAGE_OF_SOURCE.has(m))) {
    fail(f, `unknown language file (${Object.entries(SOURCE_FILES).map(([l, s]) => `${s} for ${l}`).join(', ')})`);
  }
  const known = mains.filter((m) => LANGUAGE_OF_SOURCE.has(m));
  const { message: _message, ...fields } = json;
  const body: Record<string, unknown> = { ...fields, name };
  let sourceFile: string | undefined;
  let dependencyFile: string | undefined;
  if (json.type === 'code' && isObject(json.code)) {
    const code: Record<string, unknown> = { ...json.code };
    for (const key of ['source', 'dependencies'] as const) {
      if (code[key] !== undefined) fail(DEFINITION_FILE, `belongs in its own file (${orList(Object.values(key === 'source' ? SOURCE_FILES : DEPENDENCY_FILES))}), not in ${DEFINITION_FILE}`, `/code/${key}`);
    }
    // Without a language, the one source file present tells it.
    if (code.language === undefined && known.length === 1) code.language = LANGUAGE_OF_SOURCE.get(known[0]!);
    const language = code.language as Language;
    if (typeof language === 'string' && language in SOURCE_FILES) {
      sourceFile = SOURCE_FILES[language];
      const source = readTextIfExists(path.join(folder, sourceFile));
      if (source === undefined) fail(sourceFile, `is missing (the source of a ${language} executor)`);
      else code.source = source;
      for (const other of known.filter((m) => m !== sourceFile)) fail(other, `does not belong to a ${language} executor (its source is ${sourceFile})`);
      dependencyFile = DEPENDENCY_FILES[language];
      const deps = readTextIfExists(path.join(folder, dependencyFile));
      if (deps !== undefined) code.dependencies = deps;
      for (const other of Object.values(DEPENDENCY_FILES).filter((d) => d !== dependencyFile && files.includes(d))) {
        fail(other, `does not belong to a ${language} executor (its dependencies go in ${dependencyFile})`);
      }
    } else if (language === undefined) {
      fail(DEFINITION_FILE, known.length ? `is missing; ${known.join(' and ')} leave it ambiguous` : `is missing and there is no ${orList(Object.values(SOURCE_FILES))}`, '/code/language');
    }
    body.code = code;
  } else if (json.type !== 'code') {
    for (const f of [...known, ...Object.values(DEPENDENCY_FILES).filter((d) => files.includes(d))]) {
      fail(f, `does not belong here: only code executors have source and dependency files (type is ${JSON.stringify(json.type)})`);
    }
  }

  const fileOf = (field: string): string => {
    if (field.startsWith('/code/source') && sourceFile) return rel(sourceFile);
    if (field.startsWith('/code/dependencies') && dependencyFile) return rel(dependencyFile);
    return rel(DEFINITION_FILE);
  };
  if (problems.length) throw new FolderError(problems);
  return { name, folder, definition: validateDefinition(body, fileOf), fileOf };
}

/** Checks a definition as the server does (schema, then cross-field rules) and applies defaults. */
function validateDefinition(body: Record<string, unknown>, fileOf: (field: string) => string): ExecutorDefinition {
  const seen = new Set<string>();
  const problems: FolderProblem[] = [];
  for (const e of Value.Errors(ExecutorInput, body)) {
    // A union reports each alternative; the first error per field is the readable one.
    const field = e.path || '/';
    if (seen.has(field)) continue;
    seen.add(field);
    // A union of literals ("GET" | "POST" …) reads better as the list of allowed values.
    const alternatives = (e.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
    const message = alternatives?.every((a) => a.const !== undefined) ? `must be one of ${alternatives.map((a) => JSON.stringify(a.const)).join(', ')}` : e.message.toLowerCase();
    problems.push({ file: fileOf(field), field, message });
  }
  // The source is read from the language's file: with no valid language there is none, and saying so is noise.
  const languageWrong = problems.some((p) => p.field === '/code/language');
  const shown = languageWrong ? problems.filter((p) => p.field !== '/code/source') : problems;
  if (shown.length) throw new FolderError(shown);
  try {
    return normalizeDefinition(body as ExecutorInput);
  } catch (err) {
    if (err instanceof ProblemError && err.errors) throw new FolderError(err.errors.map((e) => ({ file: fileOf(e.field), field: e.field, message: e.message })));
    throw err;
  }
}
