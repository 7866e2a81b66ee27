// The `outrigger` executable: runs the command line on the real process and exits with its code.
import { runCli } from './program.js';
import { processIo } from './io.js';

// Exiting (rather than letting the event loop drain) ends a failed start or a finished shutdown even when a handle is
// left open; stdout and stderr are synchronous for files, pipes and terminals on Linux, so nothing written is lost.
process.exit(await runCli(process.argv.slice(2), processIo()));
