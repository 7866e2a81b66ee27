// Import of the reference platform's exported definitions (POST /api/import and `outrigger import`): a folder of
// reference-shaped definitions becomes working executors and bindings; the report names what was not mapped.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../helpers/server.js';
import { DIALECTS } from '../helpers/dialects.js';
import { SANDBOXED, waitFor } from '../e2e/helpers.js';
import { readImportDocument } from '../../src/cli/commands/import.js';
import { runCli } from '../../src/cli/program.js';
import { mapReferenceExport } from '../../src/compat/reference-definitions.js';

const IMPORT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'import');

describe('mapping of reference definitions', () => {
  it('turns comma-separated packages into the dependency file of the language', () => {
    const { plan, report } = mapReferenceExport({
      executors: [
        { name: 'py', language: 'python311', code: 'print(1)', packages: 'requests==2.32.3, pydantic' },
        { name: 'js', language: 'node20', code: 'console.log(1)', packages: 'lodash@4.17.21,@scope/pkg@^1.2.0, dayjs' },
        { name: 'php', code: '<?php echo 1;', packages: 'guzzlehttp/guzzle:^7.8,monolog/monolog' },
      ],
    });
    expect(plan.executors.map((e) => e.code?.dependencies)).toEqual([
      'requests==2.32.3\npydantic\n',
      JSON.stringify({ dependencies: { lodash: '4.17.21', '@scope/pkg': '^1.2.0', dayjs: '*' } }, null, 2) + '\n',
      JSON.stringify({ require: { 'guzzlehttp/guzzle': '^7.8', 'monolog/monolog': '*' } }, null, 2) + '\n',
    ]);
    // PHP is the reference default language.
    expect(plan.executors[2]!.code?.language).toBe('php');
    expect(report.mapped).toContain('/executors/2/language: php82 → php (the reference default)');
  });

  it('names the allowed values of every wrong field at once', () => {
    expect(() => mapReferenceExport({ executors: [{ name: 'x', language: 'php81', code: '' }, { name: 'y', type: 'visual', code: '' }], hooks: [{ executor: 'x' }], widgets: [] }))
      .toThrow(expect.objectContaining({
        errors: expect.arrayContaining([
          { field: '/executors/0/language', message: 'must be one of php82, python311, node20 (or python, node, php)' },
          { field: '/executors/1/type', message: 'must be one of sourceCode, apiCall (the visual editor has no export here)' },
          { field: '/hooks/0/eventType', message: 'is required: an event type name (or eventTypes: a list)' },
          { field: '/widgets', message: 'is not a part of an export; the parts are executors, udfs, tools, agents, hooks' },
        ]),
      }));
  });
});

for (const dialect of DIALECTS) {
  describe(`import of a folder of reference definitions (${dialect})`, () => {
    let s: TestServer;
    let result: any;

    beforeAll(async () => {
      s = await startTestServer(dialect, SANDBOXED);
      const r = await s.api('POST', '/api/import', readImportDocument(IMPORT_DIR));
      expect(r.status, r.raw).toBe(201);
      result = r.body;
    });
    afterAll(async () => {
      await s?.close();
    });

    it('creates executors (script mode, mapped languages, parameters, run limit) and bindings, and reports what was not mapped', async () => {
      expect(result.created).toEqual({
        executors: ['bank_details', 'tag_ticket_tool', 'meter_reading_agent', 'tag_new_tickets'],
        udfs: ['check_bank_details'], tools: ['tag_ticket'], agents: ['meter_reading'], hooks: ['ticketcreated_0'],
      });
      const bank = (await s.api('GET', '/api/executors/bank_details')).body.definition;
      expect(bank).toMatchObject({ type: 'code', timeoutMs: 20000, code: { language: 'php', mode: 'script' } });
      expect(bank.inputSchema).toEqual({
        type: 'object', required: ['iban', 'validFrom'],
        properties: { iban: { type: 'string' }, validFrom: { type: 'string', format: 'date' }, sepaMandate: { type: 'string' } },
      });
      expect(result.report.notMapped).toEqual(expect.arrayContaining([
        expect.stringMatching(/^\/agents\/0\/parameters\/0\/source: "message" is not mapped/),
        expect.stringMatching(/^\/agents\/0\/responseCases: is not mapped/),
        expect.stringMatching(/^\/tools\/0\/private: is not mapped/),
        expect.stringMatching(/^\/tools\/0\/executor: no run limit given/),
        expect.stringMatching(/^\/executors\/0: no network by default here/),
      ]));
      expect(result.report.mapped).toEqual(expect.arrayContaining(['/udfs/0/executor: "Bank Details" → bank_details', '/tools/0/executor/language: python311 → python']));
    });

    it('the imported UDF, agent (both phases), tool and hook work', async () => {
      const udf = await s.api('POST', '/api/udfs/check_bank_details/call', { input: { iban: 'DE89370400440532013000', validFrom: '2024-03-07', sepaMandate: 'ja' } });
      expect(udf.body.output, udf.raw).toEqual({ valid: true, iban: 'DE89 3704 0044 0532 0130 00', validFrom: '07.03.2024', ymd: '2024-03-07', sepaMandate: true });
      // The mapped parameters are checked: a missing required one is refused before the run.
      const missing = await s.api('POST', '/api/udfs/check_bank_details/call', { input: { iban: 'DE89370400440532013000' } });
      expect(missing.raw).toContain('validFrom');

      const t = await s.api('POST', '/api/tickets', { subject: 'Zählerstand', channel: 'email', from: 'fritz@example.org' });
      // The imported TicketCreated hook tags the new ticket.
      await waitFor(async () => ((await s.api('GET', `/api/tickets/${t.body.id}`)).body.tags.includes('neu') ? true : undefined), 'the imported hook to tag the ticket');

      const first = await s.api('POST', '/api/agents/meter_reading/run', { data: { reading: 815, date: '2024-05-01' }, ticketId: t.body.id });
      expect(first.body, first.raw).toMatchObject({ status: 'needsDecision', message: 'Zählerstand 815 vom 01.05.2024 ist plausibel' });
      const second = await s.api('POST', '/api/agents/meter_reading/run', { data: { reading: 815, date: '2024-05-01' }, ticketId: t.body.id, _action: 'enter_into_system' });
      expect(second.body, second.raw).toMatchObject({ status: 'executed' });
      const badData = await s.api('POST', '/api/agents/meter_reading/run', { data: { reading: 'viel', date: '2024-05-01' } });
      expect(badData.status).toBe(400);

      const tool = await s.api('POST', '/api/ai/tools/tag_ticket/call', { arguments: { tags: ['zaehler'] }, ticketId: t.body.id });
      expect(tool.body, tool.raw).toMatchObject({ isError: false, output: { ticket: t.body.id, tags: ['zaehler'], status: 'pending', sender: 'fritz@example.org' } });
    });

    it('is all or nothing: a clash inside the transaction leaves none of the import behind', async () => {
      const r = await s.api('POST', '/api/import', {
        executors: [{ name: 'fresh one', language: 'python311', code: 'print("{}")' }],
        udfs: [{ name: 'another_udf', executor: 'fresh one' }, { name: 'check_bank_details', executor: 'fresh one' }],
      });
      expect(r.status, r.raw).toBe(409);
      expect(r.body.detail).toContain('check_bank_details');
      expect((await s.api('GET', '/api/executors/fresh_one')).status).toBe(404);
      expect((await s.api('GET', '/api/udfs/another_udf')).status).toBe(404);
    });

    it('refuses wrong shapes with the allowed values, before anything is written', async () => {
      const r = await s.api('POST', '/api/import', { executors: [{ name: 'wrong', language: 'ruby33', code: 'puts 1' }] });
      expect(r.status).toBe(400);
      expect(r.body.errors).toContainEqual({ field: '/executors/0/language', message: 'must be one of php82, python311, node20 (or python, node, php)' });
      expect((await s.api('GET', '/api/executors/wrong')).status).toBe(404);
      // The executors API itself names the allowed values when given a reference language.
      const direct = await s.api('POST', '/api/executors', { name: 'direct', type: 'code', code: { language: 'php82', source: '<?php', mode: 'script' } });
      expect(direct.status).toBe(400);
      expect(direct.body.errors).toEqual([{ field: '/code/language', message: expect.stringMatching(/^must be one of (?=.*python)(?=.*node)(?=.*php)/) }]);
    });
  });
}

describe('outrigger import <dir> (sqlite)', () => {
  let s: TestServer;
  let url: string;

  beforeAll(async () => {
    s = await startTestServer('sqlite', SANDBOXED);
    url = await s.o.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('imports the folder and prints what was created, mapped and not mapped', async () => {
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => { out += t; }, stderr: (t: string) => { err += t; }, env: {}, cwd: path.dirname(IMPORT_DIR) };
    const code = await runCli(['import', 'import', '--url', url, '--token', ADMIN_TOKEN], io);
    expect(code, err).toBe(0);
    expect(out).toContain('created executors: bank_details, tag_ticket_tool, meter_reading_agent, tag_new_tickets\n');
    expect(out).toContain('created hooks: ticketcreated_0\n');
    expect(out).toMatch(/^not mapped {2}\/tools\/0\/private: is not mapped/m);
    expect((await s.api('POST', '/api/udfs/check_bank_details/call', { input: { iban: 'DE89370400440532013000', validFrom: '2024-03-07', sepaMandate: 'ja' } })).body.output.valid).toBe(true);
    // Importing the same folder again: every name is taken, nothing changes, the exit code says so.
    err = '';
    expect(await runCli(['import', 'import', '--url', url, '--token', ADMIN_TOKEN], io)).toBe(2);
    expect(err).toContain('409');
  });
});
