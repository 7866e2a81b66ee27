// Executors written exactly the way the reference platform's documentation shows them, deployed unchanged in script mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { bindUdf, invoke, invokeOk, putCode, SANDBOXED } from '../e2e/helpers.js';

const SCRIPT = { mode: 'script' } as const;

// A hook that reads the ticket through the platform API and reports its sender (ticket export style).
const TICKET_EXPORT_PHP = `<?php
require(getenv()['SDK'] ?? 'sdk.php');
use EnneoSDK\\ApiEnneo;

$ticket = ApiEnneo::getTicket($in->ticketId);
echo json_encode(['exported' => $ticket->id, 'sender' => $ticket->sender, 'subject' => $ticket->subject]);
`;

// A UDF caching a token in a setting (the documented storage-object pattern).
const TOKEN_UDF_PHP = `<?php
require(getenv()['SDK'] ?? 'sdk.php');
use EnneoSDK\\Setting;

$storage = Setting::get('udfStorage');
if ($storage && $storage->expires > time()) {
    echo json_encode(['token' => $storage->token, 'cached' => true]);
    exit;
}
$token = 'tok-' . $in->tenant;
Setting::set('udfStorage', ['token' => $token, 'expires' => time() + 3600]);
echo json_encode(['token' => $token, 'cached' => false]);
`;

// Code calling that UDF and reading its output as an object.
const UDF_CALLER_PHP = `<?php
require(getenv()['SDK'] ?? 'sdk.php');
use EnneoSDK\\ApiEnneo;

$result = ApiEnneo::executeUdf('get_token', ['tenant' => $in->tenant]);
$missing = ApiEnneo::getSecret('DOES_NOT_EXIST');
echo json_encode(['auth' => 'Bearer ' . $result->token, 'cached' => $result->cached, 'secret' => $missing]);
`;

// A two-phase agent executor (meter reading): options first, the chosen action on the second run.
const METER_AGENT_PHP = `<?php
require(getenv()['SDK'] ?? 'sdk.php');
use EnneoSDK\\Interaction;
use EnneoSDK\\IntentInfo;
use EnneoSDK\\IntentOption;

$interaction = new Interaction($in);
if ($in->_action === null) {
    $interaction->infos[] = new IntentInfo(type: 'success', message: 'Zählerstand ' . $in->reading . ' plausibel');
    $interaction->options[] = new IntentOption(type: 'enter_into_system', name: 'Eintragen', recommended: true);
    $interaction->options[] = new IntentOption(type: 'reject', name: 'Ablehnen', recommended: false);
    echo json_encode($interaction);
    exit;
}
echo json_encode(['done' => $in->_action, 'ticket' => $in->_metadata->ticketId, 'from' => $in->_metadata->from]);
`;

const HELPERS_PHP = `<?php
require(getenv()['SDK'] ?? 'sdk.php');
use EnneoSDK\\Helpers;

echo json_encode([
    'date' => Helpers::formatDate('2024-03-07'),
    'ymd' => Helpers::parseDateToYMD('07.03.2024'),
    'iban' => Helpers::formatIban('de89370400440532013000'),
    'valid' => Helpers::validateIbanFormatting('DE89 3704 0044 0532 0130 00'),
    'wrongCheck' => Helpers::validateIbanFormatting('DE88 3704 0044 0532 0130 00'),
    'yes' => Helpers::boolval('ja'),
]);
`;

const TYPO_PHP = `<?php
echo json_encode(['contract' => $in->contractNumber]);
`;

const UNKNOWN_PATH_PHP = `<?php
require(getenv()['SDK'] ?? 'sdk.php');
use EnneoSDK\\ApiEnneo;
echo json_encode(ApiEnneo::get('/api/mind/knowledge/42'));
`;

// A CommonJS Node hook, the way such platforms' Node examples load their SDK.
const NODE_CJS = `const sdk = require(process.env.SDK);
const input = sdk.loadInputData();
(async () => {
  const ticket = await sdk.ApiEnneo.getTicket(input.ticketId);
  console.error('debug: got ticket');
  console.log(JSON.stringify({ sender: ticket.sender, iban: sdk.Helpers.formatIban('de89370400440532013000'), env: !!process.env.ENNEO_SESSION_TOKEN }));
})();
`;

describe('reference-style PHP and Node scripts run unchanged (sqlite)', () => {
  let s: TestServer;
  let ticketId: string;

  beforeAll(async () => {
    s = await startTestServer('sqlite', SANDBOXED);
    const t = await s.api('POST', '/api/tickets', { subject: 'Zählerstand', channel: 'email', from: 'anna@example.org' });
    expect(t.status, t.raw).toBe(201);
    ticketId = t.body.id;
    await putCode(s, 'ticket_export', 'php', TICKET_EXPORT_PHP, SCRIPT);
    await putCode(s, 'token_udf', 'php', TOKEN_UDF_PHP, SCRIPT);
    await bindUdf(s, 'get_token', 'token_udf');
    await putCode(s, 'udf_caller', 'php', UDF_CALLER_PHP, SCRIPT);
    await putCode(s, 'meter_agent', 'php', METER_AGENT_PHP, SCRIPT);
    await putCode(s, 'helpers', 'php', HELPERS_PHP, SCRIPT);
    await putCode(s, 'typo', 'php', TYPO_PHP, SCRIPT);
    await putCode(s, 'unknown_path', 'php', UNKNOWN_PATH_PHP, SCRIPT);
    await putCode(s, 'node_cjs', 'node', NODE_CJS, SCRIPT);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('$in is bound and ApiEnneo::getTicket maps the ticket (from → sender)', async () => {
    const r = await invokeOk(s, 'ticket_export', { ticketId });
    expect(r.output).toEqual({ exported: ticketId, sender: 'anna@example.org', subject: 'Zählerstand' });
  });

  it('a UDF caches its token in a Setting; the caller reads executeUdf as an object; a missing secret is null', async () => {
    const first = await invokeOk(s, 'udf_caller', { tenant: 'acme' });
    expect(first.output).toEqual({ auth: 'Bearer tok-acme', cached: false, secret: null });
    const second = await invokeOk(s, 'udf_caller', { tenant: 'acme' });
    expect(second.output).toEqual({ auth: 'Bearer tok-acme', cached: true, secret: null });
    const stored = await s.api('GET', '/api/storage/udfStorage');
    expect(stored.body.value.token).toBe('tok-acme');
  });

  it('helpers: German dates, IBAN formatting and mod-97 validation', async () => {
    const r = await invokeOk(s, 'helpers');
    expect(r.output).toEqual({ date: '07.03.2024', ymd: '2024-03-07', iban: 'DE89 3704 0044 0532 0130 00', valid: true, wrongCheck: false, yes: true });
  });

  it('an agent stops at needsDecision on the reference interaction shape and performs the chosen type on the second run', async () => {
    const a = await s.api('POST', '/api/agents', {
      name: 'meter', intent: 'meter_reading', executor: 'meter_agent',
      dataSchema: { type: 'object', properties: { reading: { type: 'number' } }, required: ['reading'] },
      templates: { success: 'Eingetragen ({{output.done}}).', failure: 'Fehler.' },
    });
    expect(a.status, a.raw).toBe(201);
    const first = await s.api('POST', '/api/agents/meter/run', { data: { reading: 4711 }, ticketId });
    expect(first.body, first.raw).toMatchObject({ status: 'needsDecision', message: 'Zählerstand 4711 plausibel' });
    expect(first.body.interaction.options).toEqual([
      { action: 'enter_into_system', label: 'Eintragen', recommended: true },
      { action: 'reject', label: 'Ablehnen' },
    ]);
    const second = await s.api('POST', '/api/agents/meter/run', { data: { reading: 4711 }, ticketId, _action: 'enter_into_system' });
    expect(second.body, second.raw).toMatchObject({ status: 'executed', message: 'Eingetragen (enter_into_system).' });
    const exe = await s.api('GET', `/api/executions/${second.body.executionId}`);
    expect(exe.body.output).toEqual({ done: 'enter_into_system', ticket: ticketId, from: 'anna@example.org' });
  });

  it('reading an input field that is not there fails the run with its name instead of answering ok', async () => {
    const r = await invoke(s, 'typo', { contractId: 'V-1' });
    expect(r.status).toBe('error');
    expect(r.error.code).toBe('RUNTIME_ERROR');
    expect(r.error.message).toContain('Undefined property $in->contractNumber: the input has only contractId');
  });

  it('an unknown platform path is a clear error naming the mapped ones', async () => {
    const r = await invoke(s, 'unknown_path');
    expect(r.status).toBe('error');
    expect(r.error.message).toContain('GET /api/mind/knowledge/42 is a path of the reference platform without a counterpart');
    expect(r.error.message).toContain('GET /api/mind/ticket/{id}');
  });

  it('a CommonJS Node script requires the SDK; stderr is an info log, not an error', async () => {
    const r = await invokeOk(s, 'node_cjs', { ticketId });
    expect(r.output).toEqual({ sender: 'anna@example.org', iban: 'DE89 3704 0044 0532 0130 00', env: true });
    expect(r.logs).toContainEqual(expect.objectContaining({ level: 'info', message: 'debug: got ticket' }));
  });
});
