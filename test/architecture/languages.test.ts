// The set of languages is the set of folders under runtimes/: nothing outside them names a language.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CodeSpec } from '../../src/executors/definition.js';
import { DEPENDENCY_FILES, SOURCE_FILES } from '../../src/executors-folder/layout.js';
import { LANGUAGES, RUNTIMES } from '../../src/executors/sandbox/runtimes/index.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const RUNTIMES_DIR = path.join(SRC, 'executors/sandbox/runtimes');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('languages', () => {
  it('are exactly the folders of runtimes/, each with its SDK folder', () => {
    const folders = fs.readdirSync(RUNTIMES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect([...LANGUAGES].sort()).toEqual(folders);
    for (const l of LANGUAGES) {
      expect(RUNTIMES[l].language).toBe(l);
      const sdk = path.resolve(SRC, '..', 'sdk', l);
      expect(fs.readdirSync(sdk), `sdk/${l}`).toContain(`_bootstrap${path.extname(RUNTIMES[l].mainFile)}`);
      expect(fs.readdirSync(sdk), `sdk/${l}`).toContain(RUNTIMES[l].sdkFile);
    }
  });

  it('are what the API schema and the folder layout accept', () => {
    const schema = CodeSpec.properties.language as { anyOf: { const: string }[] };
    expect(schema.anyOf.map((s) => s.const).sort()).toEqual([...LANGUAGES].sort());
    expect(Object.keys(SOURCE_FILES).sort()).toEqual([...LANGUAGES].sort());
    expect(Object.values(SOURCE_FILES)).toEqual(LANGUAGES.map((l) => RUNTIMES[l].mainFile));
    expect(Object.values(DEPENDENCY_FILES)).toEqual(LANGUAGES.map((l) => RUNTIMES[l].dependencyFile));
  });

  it('are not named as string literals anywhere outside runtimes/ (but the CodeLanguage type)', () => {
    const literal = new RegExp(`['"\`](${LANGUAGES.join('|')})['"\`]`);
    const offenders: string[] = [];
    for (const file of sourceFiles(SRC)) {
      if (file.startsWith(RUNTIMES_DIR + path.sep)) continue;
      fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
        if (!literal.test(line) || /export type CodeLanguage =/.test(line)) return;
        // `newId('node')` is a fleet node's id prefix, not the language.
        if (/newId\('node'\)/.test(line)) return;
        offenders.push(`${path.relative(SRC, file)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(offenders).toEqual([]);
  });
});
