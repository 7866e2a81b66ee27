// `outrigger init` through runCli in-process: a scaffolded folder of each language passes `outrigger test` in the real
// local sandbox, and the Node and Python handlers type-check against the SDK types (and fail on a wrong ctx call).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';

const execFileP = promisify(execFile);
const TSC = path.resolve('node_modules/typescript/bin/tsc');
// mypy is pinned in the project's tool venv by scripts/setup.sh, like the MCP SDK and Schemathesis.
const MYPY = path.resolve('.venv-tools/bin/mypy');

describe('outrigger init', () => {
  let work: string;
  const cli = async (...argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, env: { PATH: process.env.PATH }, cwd: work });
    return { code, stdout, stderr };
  };
  /** Runs tsc on a folder's tsconfig.json; the exit code and the diagnostics. */
  const tsc = async (folder: string) => {
    try {
      await execFileP(process.execPath, [TSC, '-p', folder], { cwd: work });
      return { code: 0, out: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, out: e.stdout };
    }
  };

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-init-'));
    // The sandbox runs as nobody: the folders it reads must be traversable.
    fs.chmodSync(work, 0o755);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('scaffolds a folder per language whose fixture passes locally', async () => {
    for (const language of ['node', 'python', 'php']) {
      const name = `hello_${language}`;
      const r = await cli('init', name, '--language', language);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`created executors/${name}: executor.json`);
      expect(fs.existsSync(path.join(work, 'executors', name, '.vscode/settings.json'))).toBe(true);
    }
    const t = await cli('test', '--dir', 'executors');
    expect(t.stdout + t.stderr).toContain('3 passed');
    expect(t.code, t.stdout + t.stderr).toBe(0);
    // An existing folder is never overwritten; an unknown language is a usage error.
    expect(await cli('init', 'hello_node', '--language', 'node')).toMatchObject({ code: 2, stderr: 'outrigger: executors/hello_node already exists\n' });
    expect((await cli('init', 'x', '--language', 'ruby')).stderr).toBe('outrigger: --language must be node, python or php, got "ruby"\n');
  }, 240_000);

  it('the Node handler type-checks against the SDK declarations; a wrong ctx call does not', async () => {
    const folder = path.join(work, 'executors', 'hello_node');
    expect(await tsc(folder)).toEqual({ code: 0, out: '' });
    const main = path.join(folder, 'main.mjs');
    const good = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, good.replace("ctx.log(`greeting ${who}`);", "ctx.log(`greeting ${who}`);\n  await ctx.storage.gett('k');\n  await ctx.secret(42);"));
    const bad = await tsc(folder);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toContain("Property 'gett' does not exist on type 'Storage'");
    expect(bad.out).toContain("Argument of type 'number' is not assignable to parameter of type 'string'");
    fs.writeFileSync(main, good.replace("return { greeting:", "return { greting:"));
    expect((await tsc(folder)).out).toContain('greting');
  }, 120_000);

  it('pip install sdk/python ships the stubs (PEP 561 outrigger-stubs): mypy checks the Python handler, a wrong ctx call fails', async () => {
    // A fresh venv with only the SDK installed, as a developer's own: mypy must find the types there, not in this checkout.
    const venv = path.join(work, 'venv');
    await execFileP('python3', ['-m', 'venv', venv]);
    // From a copy: pip builds in the source folder (build/, *.egg-info), which must not land in the checkout.
    const sdkCopy = path.join(work, 'sdk-python');
    fs.cpSync(path.resolve('sdk/python'), sdkCopy, { recursive: true });
    await execFileP(path.join(venv, 'bin/pip'), ['install', '-q', '--disable-pip-version-check', sdkCopy]);
    const folder = path.join(work, 'executors', 'hello_python');
    const mypy = async () => {
      try {
        const r = await execFileP(MYPY, ['--python-executable', path.join(venv, 'bin/python'), '--no-incremental', '--strict', 'main.py'], { cwd: folder });
        return { code: 0, out: r.stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string };
        return { code: e.code, out: e.stdout };
      }
    };
    expect(await mypy()).toEqual({ code: 0, out: 'Success: no issues found in 1 source file\n' });
    const main = path.join(folder, 'main.py');
    const good = fs.readFileSync(main, 'utf8');
    fs.writeFileSync(main, good.replace('    ctx.log(f"greeting {who}")', '    ctx.log(f"greeting {who}")\n    ctx.storage.sett("k", 1)\n    ctx.secret(42)'));
    const bad = await mypy();
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('"Storage" has no attribute "sett"');
    expect(bad.out).toContain('Argument 1 to "secret" of "Context" has incompatible type "int"; expected "str"');
    fs.writeFileSync(main, good);
  }, 120_000);
});
