// The CLI's view of its process: where it writes, which environment and working directory it sees; injected so tests run commands in-process.

/** What a CLI run reads and writes instead of the process globals. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Relative paths on the command line are resolved against it. */
  cwd: string;
}

/** The real process: its streams, environment and working directory. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}
