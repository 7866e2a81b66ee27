// Dependency-build launcher for Node.js: starts the egress forwarder (registry only), then runs npm as a child.
import { spawn } from 'node:child_process';
import { startEgress } from './_egress.mjs';

if (process.env.OUTRIGGER_EGRESS_PORT) await startEgress();
const child = spawn(process.execPath, process.argv.slice(2), { stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
