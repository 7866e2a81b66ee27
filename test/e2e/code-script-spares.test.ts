// Script mode through the real platform with script spares on: the default executor (256 MB, default timeout) takes one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { invokeOk, LANGS, putCode, waitFor, type Lang } from './helpers.js';

const SCRIPT: Record<Lang, string> = {
  python: 'import json, os, sys\nimport outrigger as sdk\ndata = json.load(sys.stdin)\nprint(json.dumps({"n": data["n"] + 1, "execId": sdk.execution.id, "file": __file__}))\n',
  node: "import fs from 'node:fs';\nconst sdk = await import(process.env.SDK);\nconst data = JSON.parse(fs.readFileSync(0, 'utf8'));\nconsole.log(JSON.stringify({ n: data.n + 1, execId: sdk.execution.id, file: import.meta.url }));\n",
  php: "<?php\nrequire getenv('SDK');\n$data = json_decode(stream_get_contents(STDIN), true);\necho json_encode(['n' => $data['n'] + 1, 'execId' => Outrigger\\Sdk::execution()->id, 'file' => __FILE__]);\n",
};

describe('script spares through the platform', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { sandbox: 'required', sandboxSpares: 1 });
    for (const lang of LANGS) await putCode(s, `spare_script_${lang}`, lang, SCRIPT[lang], { mode: 'script', memoryMb: 256 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each(LANGS)('%s: the run is served by a spare and sees its own execution id', async (lang) => {
    const sandbox = s.o.code.sandbox!;
    await waitFor(() => sandbox.scriptSpares(lang) >= 1, 'a script spare');
    const r = await invokeOk(s, `spare_script_${lang}`, { n: 1 });
    expect(r.output).toMatchObject({ n: 2, execId: r.executionId, file: expect.stringContaining('/tmp/.outrigger/main.') });
    expect(r.coldStart).toBe(true);
  });
});
