// The `outrigger` command line: serve, invoke, executors; commands are thin wrappers over the API.
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { CliError } from './client.js';
import { serve } from './commands/serve.js';
import { invoke } from './commands/invoke.js';
import { applyExecutors, getExecutor, listExecutors } from './commands/executors/index.js';
import { VERSION } from '../version.js';

const program = new Command('outrigger').version(VERSION).description('Run custom code for a customer-service platform');
const withClient = (c: Command) => c.option('--url <url>', 'server URL (env OUTRIGGER_URL)').option('--token <token>', 'API token (env OUTRIGGER_TOKEN)');

program.command('serve').description('start the server')
  .option('-p, --port <port>', 'port (env PORT, default 8080)')
  .option('--host <host>', 'address to listen on (env HOST, default 127.0.0.1)')
  .option('-d, --data-dir <dir>', 'data directory (env OUTRIGGER_DATA_DIR, default ./data)')
  .option('--demo', 'serve the demo ERP and seed demo executors')
  .option('--role <role>', 'all | api | worker (env OUTRIGGER_ROLE)')
  .action((flags) => serve(flags));

withClient(program.command('invoke <executor>').description('invoke an executor’s active version')
  .option('-i, --input <json>', 'input object as JSON', '{}'))
  .action(async (name, flags) => { process.exitCode = await invoke(name, flags); });

const executors = program.command('executors').description('manage executors');
withClient(executors.command('list').description('list executors')).action((flags) => listExecutors(flags));
withClient(executors.command('get <name>').description('show an executor with its active definition')).action((name, flags) => getExecutor(name, flags));
withClient(executors.command('apply').description('create or update executors from a JSON file')
  .requiredOption('-f, --file <file>', 'JSON file with one definition or an array')
  .option('-m, --message <message>', 'version message'))
  .action((flags) => applyExecutors(flags));

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CliError || err instanceof ConfigError) {
    process.stderr.write(`outrigger: ${err.message}\n`);
  } else {
    process.stderr.write(`outrigger: ${(err as Error).stack ?? err}\n`);
  }
  process.exit(2);
});
