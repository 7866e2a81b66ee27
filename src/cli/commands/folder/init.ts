// `outrigger init <name> --language python|node|php [--dir executors]`: scaffolds an executor folder with a handler, a
// passing fixture and the editor settings that find the SDK's types (tsconfig.json for node, .vscode/settings.json).
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from '../../client.js';
import type { CliIo } from '../../io.js';
import { stableJson } from '../../../executors-folder/json-file.js';
import { EXECUTOR_NAME_PATTERN } from '../../../executors/definition.js';
import { sdkRoot } from '../../../executors/sandbox/runtimes/runtime.js';
import type { CodeLanguage } from '../../../executors/sandbox/contract.js';

export interface InitFlags {
  language?: string;
  dir: string;
}

type Language = CodeLanguage;

/** What init writes per language: the handler and the editor files that find the SDK at `rel` (sdk/<language>). */
interface Template {
  file: string;
  source(name: string): string;
  editorFiles(rel: string): Array<[string, unknown]>;
}

const HANDLERS: Record<Language, Template> = {
  node: {
    file: 'main.mjs',
    // Checks the JavaScript handler against the SDK's declarations; `paths` points at this checkout's sdk/node.
    editorFiles: (rel) => [
      ['tsconfig.json', {
        compilerOptions: {
          allowJs: true, checkJs: true, noEmit: true, strict: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
          types: [], paths: { '@outrigger/sdk': [path.join(rel, 'outrigger.d.ts')] },
        },
        include: ['main.mjs'],
      }],
      ['.vscode/settings.json', { 'js/ts.implicitProjectConfig.checkJs': true }],
    ],
    source: (name) => `// ${name}: greets by name. Types come from the SDK's declarations (tsconfig.json); check with \`npx tsc -p .\`.
/** @typedef {{ name?: string }} Input */
/** @typedef {{ greeting: string, executor: string }} Output */

/**
 * @param {Input} input
 * @param {import('@outrigger/sdk').Context} ctx
 * @returns {Promise<Output>}
 */
export default async function handler(input, ctx) {
  const who = input.name ?? 'world';
  ctx.log(\`greeting \${who}\`);
  return { greeting: \`Hello, \${who}!\`, executor: ctx.execution.executorName };
}
`,
  },
  python: {
    file: 'main.py',
    editorFiles: (rel) => [['.vscode/settings.json', { 'python.analysis.extraPaths': [rel] }]],
    source: (name) => `# ${name}: greets by name. The editor finds the SDK (outrigger.py) through .vscode/settings.json.
from typing import Any, TYPE_CHECKING

if TYPE_CHECKING:
    from outrigger import Context


def handler(input: dict[str, Any], ctx: "Context") -> dict[str, Any]:
    who = input.get("name") or "world"
    ctx.log(f"greeting {who}")
    return {"greeting": f"Hello, {who}!", "executor": ctx.execution.executor_name}
`,
  },
  php: {
    file: 'main.php',
    editorFiles: (rel) => [['.vscode/settings.json', { 'intelephense.environment.includePaths': [rel] }]],
    source: (name) => `<?php
// ${name}: greets by name. The editor finds the SDK (outrigger.php) through .vscode/settings.json.
function handler(array $input, Outrigger\\Context $ctx): array {
    $who = $input['name'] ?? 'world';
    $ctx->log("greeting $who");
    return ['greeting' => "Hello, $who!", 'executor' => $ctx->execution->executorName];
}
`,
  },
};

/** Creates `<dir>/<name>/` (refused when it exists) and prints what it wrote. */
export async function init(name: string, flags: InitFlags, io: CliIo): Promise<number> {
  const language = flags.language as Language | undefined;
  const known = Object.keys(HANDLERS);
  if (!language || !known.includes(language)) throw new CliError(`--language must be ${known.slice(0, -1).join(', ')} or ${known[known.length - 1]}${language ? `, got "${language}"` : ''}`);
  if (!new RegExp(EXECUTOR_NAME_PATTERN).test(name)) throw new CliError(`"${name}" is not a valid executor name (${EXECUTOR_NAME_PATTERN})`);
  const folder = path.join(flags.dir, name);
  if (fs.existsSync(folder)) throw new CliError(`${folder} already exists`);
  const sdk = path.join(sdkRoot(), language);
  const rel = path.relative(path.resolve(folder), sdk);
  const files = new Map<string, string>();
  files.set('executor.json', stableJson({
    name, type: 'code', description: `Greets by name (${language})`, timeoutMs: 10_000,
    code: { language, mode: 'handler', memoryMb: 256, egress: [] },
    inputSchema: { type: 'object', properties: { name: { type: 'string' } } }, outputSchema: null,
  }));
  files.set(HANDLERS[language].file, HANDLERS[language].source(name));
  files.set('tests/greets_by_name.json', stableJson({
    description: 'greets the given name', input: { name: 'Ada' },
    expect: { status: 'ok', output: { greeting: 'Hello, Ada!', executor: name } },
  }));
  for (const [file, json] of HANDLERS[language].editorFiles(rel)) files.set(file, stableJson(json));
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
    fs.writeFileSync(path.join(folder, file), text);
  }
  io.stdout(`created ${folder}: ${[...files.keys()].join(', ')}\nnext: outrigger test ${name} --dir ${flags.dir}   (then outrigger push ${name} --dir ${flags.dir})\n`);
  return 0;
}
