// Hostile bytes on the SDK channel: every malformed, oversized or unexpected message from a sandbox ends that worker
// as RUNTIME_ERROR (protocol violation), never throws into the server, and the same pool serves again right after.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/executors/sandbox/index.js';
import type { CodeLanguage, SdkCall, SdkHost } from '../../src/executors/sandbox/contract.js';
import { MAX_CALLS_IN_FLIGHT } from '../../src/executors/sandbox/channel.js';
import { ECHO, LANGS, MemoryHost, makeSandbox, req } from './helpers.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await makeSandbox({ replyBytes: 64 * 1024 });
});
afterAll(async () => {
  await sb.close();
});

/** Code that writes `payload` raw to fd 4 (the channel), then returns normally, in handler or script mode. */
function writer(lang: CodeLanguage, mode: 'handler' | 'script', payload: Buffer): string {
  const b64 = payload.toString('base64');
  if (lang === 'python') {
    const w = `import base64, os\nos.write(4, base64.b64decode('${b64}'))\n`;
    return mode === 'handler' ? `import base64, os\ndef handler(input, ctx):\n    os.write(4, base64.b64decode('${b64}'))\n    return 1\n` : `${w}print(1)\n`;
  }
  if (lang === 'node') {
    const w = `fs.writeSync(4, Buffer.from('${b64}', 'base64'));`;
    return mode === 'handler' ? `import fs from 'node:fs';\nexport default async function handler() { ${w} return 1; }\n` : `import fs from 'node:fs';\n${w}\nconsole.log(1);\n`;
  }
  const w = `$f = fopen('php://fd/4', 'wb'); fwrite($f, base64_decode('${b64}')); fflush($f);`;
  return mode === 'handler' ? `<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { ${w} return 1; }\n` : `<?php\n${w}\necho 1;\n`;
}

const line = (s: string) => Buffer.from(s + '\n');
const deep = (n: number) => line('{"t":"log","message":"x","extra":' + '['.repeat(n) + ']'.repeat(n) + '}');

/** Messages that are not part of the protocol, of every JSON type and shape. */
const VIOLATIONS: [string, Buffer][] = [
  ['null', line('null')],
  ['a number', line('42')],
  ['a string', line('"result"')],
  ['an array', line('[{"t":"result","ok":true}]')],
  ['true', line('true')],
  ['an empty object', line('{}')],
  ['a numeric type', line('{"t":5}')],
  ['an unknown type', line('{"t":"exec","cmd":"rm -rf /"}')],
  ['not JSON', line('{{{{')],
  ['invalid UTF-8', Buffer.concat([Buffer.from([0xff, 0xfe, 0x80]), Buffer.from('\n')])],
  ['a call without id', line('{"t":"call","op":"secret","args":{"name":"API_KEY"}}')],
  ['a call with a string id', line('{"t":"call","id":"1","op":"secret","args":{"name":"API_KEY"}}')],
  ['a call with a fractional id', line('{"t":"call","id":1.5,"op":"secret","args":{"name":"API_KEY"}}')],
  ['a call with a huge id', line('{"t":"call","id":1e400,"op":"secret","args":{"name":"API_KEY"}}')],
  ['a call with a negative id', line('{"t":"call","id":-1,"op":"secret","args":{"name":"API_KEY"}}')],
  ['a call with array args', line('{"t":"call","id":1,"op":"secret","args":["API_KEY"]}')],
  ['a call with an object op', line('{"t":"call","id":1,"op":{"x":1},"args":{}}')],
  ['a result without ok', line('{"t":"result","output":1}')],
  ['a result whose error is a string', line('{"t":"result","ok":false,"error":"boom"}')],
  ['a log whose message is an object', line('{"t":"log","level":"info","message":{"a":1}}')],
  ['an error that is not an object', line('{"t":"error","error":[1,2]}')],
  ['JSON nested 10,000 deep', deep(10_000)],
  ['a second ready', line('{"t":"ready"}\n{"t":"ready"}')],
];

describe('malformed channel messages end the worker as a protocol violation', () => {
  for (const lang of LANGS) {
    it.each(VIOLATIONS)(`${lang} handler: %s`, async (_what, payload) => {
      const r = req(lang, writer(lang, 'handler', payload));
      const res = await sb.run(r);
      expect(res.status).toBe('error');
      expect(res.error?.code).toBe('RUNTIME_ERROR');
      expect(res.error?.message).toMatch(/protocol violation/);
      // The pool serves the same executor again, in a new worker.
      const ok = await sb.run({ ...req(lang, ECHO[lang]), poolKey: r.poolKey, input: { again: 1 } });
      expect(ok).toMatchObject({ status: 'ok', output: { echo: { again: 1 } } });
    });
  }

  it.each(LANGS)('%s script mode: null on the channel is a protocol violation', async (lang) => {
    const res = await sb.run(req(lang, writer(lang, 'script', line('null')), { mode: 'script' }));
    expect(res.error?.code).toBe('RUNTIME_ERROR');
    expect(res.error?.message).toMatch(/protocol violation/);
  });

  it.each(LANGS)('%s script mode: a deep message is a protocol violation', async (lang) => {
    const res = await sb.run(req(lang, writer(lang, 'script', deep(5000)), { mode: 'script' }));
    expect(res.error?.message).toMatch(/protocol violation.*deeper/);
  });

  it('a line longer than the cap in one write is ended by the cap, not buffered', async () => {
    const small = await makeSandbox({ outputBytes: 64 * 1024 });
    try {
      const big = Buffer.concat([Buffer.from('{"t":"log","message":"'), Buffer.alloc(512 * 1024, 0x61), Buffer.from('"}\n')]);
      const res = await small.run(req('python', writer('python', 'handler', big)));
      expect(res.error?.code).toBe('OUTPUT_INVALID');
    } finally {
      await small.close();
    }
  });

  it('deep script stdout is OUTPUT_INVALID, not a stack overflow in the server', async () => {
    const res = await sb.run(req('python', `print("[" * 5000 + "]" * 5000)\n`, { mode: 'script' }));
    expect(res.error?.code).toBe('OUTPUT_INVALID');
  });
});

describe('SDK answers are bounded', () => {
  it.each(LANGS)('%s: an answer over the reply cap is an SDK error the code sees', async (lang) => {
    const host = new MemoryHost();
    host.storage.set('big', 'x'.repeat(100 * 1024));
    const src = {
      python: 'def handler(input, ctx):\n    try:\n        ctx.storage.get("big")\n        return "no error"\n    except Exception as e:\n        return e.code\n',
      node: 'export default async function handler(input, ctx) { try { await ctx.storage.get("big"); return "no error"; } catch (e) { return e.code; } }\n',
      php: '<?php\nfunction handler(array $input, Outrigger\\Context $ctx): mixed { try { $ctx->storage->get("big"); return "no error"; } catch (Outrigger\\OutriggerException $e) { return $e->sdkCode; } }\n',
    }[lang];
    const res = await sb.run(req(lang, src, { host }));
    expect(res).toMatchObject({ status: 'ok', output: 'LIMIT_EXCEEDED' });
  });

  it('more SDK calls in flight than the cap: the excess is refused, the rest answered', async () => {
    const pending: (() => void)[] = [];
    let seen = 0;
    const host: SdkHost = {
      handle(_call: SdkCall) {
        seen++;
        // The first 32 are held, so the cap is reached and the other 8 arrive while it is; they are answered by the
        // channel without reaching here. The held ones are released a moment later (the Node.js SDK may write its
        // calls in several chunks; the extra ones must all have arrived by then).
        return new Promise((resolve) => {
          pending.push(() => resolve('v'));
          if (seen === MAX_CALLS_IN_FLIGHT) setTimeout(() => { for (const p of pending.splice(0)) p(); }, 500);
        });
      },
    };
    const n = MAX_CALLS_IN_FLIGHT + 8;
    const src = `export default async function handler(input, ctx) {
  const r = await Promise.allSettled(Array.from({ length: ${n} }, (_, i) => ctx.secret('S' + i)));
  return { ok: r.filter((x) => x.status === 'fulfilled').length, refused: r.filter((x) => x.reason?.code === 'LIMIT_EXCEEDED').length };
}\n`;
    const res = await sb.run(req('node', src, { host }));
    expect(res).toMatchObject({ status: 'ok', output: { ok: MAX_CALLS_IN_FLIGHT, refused: 8 } });
  });

  it.each([
    ['a key that is an object', '{"t":"call","id":1,"op":"storage.get","args":{"key":{"toString":1}}}'],
    ['an unknown operation', '{"t":"call","id":1,"op":"__proto__","args":{}}'],
  ])('a well-formed call with bad arguments (%s) is answered with an error, the worker lives on', async (_what, msg) => {
    const src = `import os, json\ndef handler(input, ctx):\n    os.write(4, b'${msg}\\n')\n    return "ok"\n`;
    const r = req('python', src);
    const res = await sb.run(r);
    // The code did not read the answer; the invocation itself is fine.
    expect(res).toMatchObject({ status: 'ok', output: 'ok' });
  });
});

describe('nothing runs after an invocation returned', () => {
  it('a Python thread left running recycles the worker; frozen meanwhile', async () => {
    const src = 'import threading, time\nN = [0]\ndef spin():\n    while True:\n        N[0] += 1\ndef handler(input, ctx):\n    if input.get("go"):\n        threading.Thread(target=spin, daemon=True).start()\n    return "ok"\n';
    const r = req('python', src);
    expect((await sb.run(r)).status).toBe('ok'); // first invocation: the thread baseline
    const second = await sb.run({ ...r, input: { go: true } });
    expect(second.status).toBe('ok');
    const third = await sb.run({ ...r, input: {} });
    expect(third.coldStart, 'the worker that left a thread behind was recycled').toBe(true);
  });

  it('a Node.js timer left running recycles the worker', async () => {
    const src = 'export default async function handler(input) { if (input.go) setInterval(() => {}, 5); return "ok"; }\n';
    const r = req('node', src);
    expect((await sb.run({ ...r, input: {} })).status).toBe('ok');
    expect((await sb.run({ ...r, input: { go: true } })).status).toBe('ok');
    expect((await sb.run({ ...r, input: {} })).coldStart).toBe(true);
  });

  it('an idle warm worker is frozen: a background thread gets no CPU between invocations', async () => {
    // The first invocation starts the thread (it sets the baseline, so the worker stays warm): the counter it
    // increments must not move while the worker is idle.
    const src = 'import threading, time\nN = [0]\ndef spin():\n    while True:\n        N[0] += 1\n        time.sleep(0.001)\ndef handler(input, ctx):\n    if not N[0] and input.get("start"):\n        threading.Thread(target=spin, daemon=True).start()\n        time.sleep(0.05)\n    return N[0]\n';
    const r = req('python', src);
    const a = await sb.run({ ...r, input: { start: true } });
    const b = await sb.run({ ...r, input: {} });
    await new Promise((res) => setTimeout(res, 300)); // idle time the thread would use if it could run
    const c = await sb.run({ ...r, input: {} });
    expect(a.status).toBe('ok');
    expect(b.coldStart).toBe(false);
    expect(c.coldStart).toBe(false);
    // Between b and c the worker idled 300 ms; running, the thread would have counted ~300 times.
    expect((c.output as number) - (b.output as number)).toBeLessThan(60);
  });
});

describe('a PHP worker survives idle time', () => {
  it('the SDK channel has no read time-out, and a time-out set on it does not end the worker', async () => {
    const src = `<?php
function handler(array $input, Outrigger\\Context $ctx): mixed {
    if (!empty($input['shorten'])) {
        $ch = Outrigger\\Channel::instance();
        $p = new ReflectionProperty($ch, 'in');
        stream_set_timeout($p->getValue($ch), 0, 200000);
    }
    return ini_get('default_socket_timeout');
}\n`;
    const r = req('php', src);
    expect(await sb.run({ ...r, input: { shorten: true } })).toMatchObject({ status: 'ok', output: '-1' });
    await new Promise((res) => setTimeout(res, 700)); // idle past the shortened read time-out, several times
    const again = await sb.run({ ...r, input: {} });
    expect(again).toMatchObject({ status: 'ok', output: '-1', coldStart: false });
  });
});

it('the frozen cgroup state is visible on the host (v1 freezer or v2 cgroup.freeze)', () => {
  // Guards the test above against passing vacuously on a host without a freezer.
  const v1 = fs.existsSync('/sys/fs/cgroup/freezer');
  const v2 = fs.existsSync('/sys/fs/cgroup/cgroup.controllers');
  expect(v1 || v2).toBe(true);
});
