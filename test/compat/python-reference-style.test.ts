// Python executors in the reference platform's documented style (SDK loaded by path, load_input_data, pydantic-like models).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { invokeOk, putCode, SANDBOXED } from '../e2e/helpers.js';

// An AI tool that links the ticket to a contract (ApiEnneo.patch on the platform path).
const PATCH_TOOL_PY = `import importlib.util, json, os
spec = importlib.util.spec_from_file_location('sdk', os.getenv('SDK', 'sdk.py'))
sdk = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sdk)

data = sdk.load_input_data()
ticket = sdk.ApiEnneo.patch(f"/api/mind/ticket/{data['ticketId']}", body={'contractId': data['contractId'], 'customerId': 'C-1', 'tags': ['linked']})
info = sdk.Interaction(data={'contract': ticket['contractId']})
info.infos.append(sdk.IntentInfo(type='success', message='Vertrag ' + ticket['contractId'] + ' verknüpft, ' + sdk.Helpers.format_date('2024-03-07')))
print(json.dumps({'ticket': ticket['id'], 'tags': ticket['tags'], 'sender': ticket['sender'], 'summary': info.model_dump()['infos'][0]['message']}))
`;

describe('reference-style Python scripts run unchanged (sqlite)', () => {
  let s: TestServer;
  let ticketId: string;

  beforeAll(async () => {
    s = await startTestServer('sqlite', SANDBOXED);
    const t = await s.api('POST', '/api/tickets', { subject: 'Vertrag', channel: 'email', from: 'bert@example.org' });
    ticketId = t.body.id;
    await putCode(s, 'patch_tool', 'python', PATCH_TOOL_PY, { mode: 'script' });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a tool patches the ticket through the platform path (contractId/customerId → customer link) and builds an Interaction', async () => {
    expect((await s.api('POST', '/api/ai/tools', { name: 'link_contract', executor: 'patch_tool' })).status).toBe(201);
    const r = await s.api('POST', '/api/ai/tools/link_contract/call', { arguments: { ticketId, contractId: 'V-7' } });
    expect(r.body, r.raw).toMatchObject({ isError: false, output: { ticket: ticketId, tags: ['linked'], sender: 'bert@example.org', summary: 'Vertrag V-7 verknüpft, 07.03.2024' } });
    const ticket = await s.api('GET', `/api/tickets/${ticketId}`);
    expect(ticket.body.customer).toEqual({ customerNumber: 'C-1', contractNumber: 'V-7' });
  });

  it('load_input_data reads the stdin JSON', async () => {
    await putCode(s, 'echo_py', 'python', "import importlib.util, json, os\nspec = importlib.util.spec_from_file_location('sdk', os.getenv('SDK'))\nsdk = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(sdk)\nprint(json.dumps({'got': sdk.load_input_data()['q'], 'valid': sdk.Helpers.validate_iban_formatting('DE89370400440532013000')}))\n", { mode: 'script' });
    expect((await invokeOk(s, 'echo_py', { q: 'x' })).output).toEqual({ got: 'x', valid: true });
  });
});
