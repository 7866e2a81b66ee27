// A private, throw-away PostgreSQL cluster for fault tests: they stop and restart it, which they must never
// do to the shared test cluster that other suites use.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export interface PrivatePostgres {
  /** `postgres://outrigger@127.0.0.1:<port>/outrigger` */
  url: string;
  port: number;
  dir: string;
  /** Stops the server: `immediate` is a crash (no checkpoint, clients cut off), `fast` a clean shutdown. */
  stop(mode?: 'immediate' | 'fast'): void;
  start(): void;
  /** Stops (if running) and removes the cluster. */
  destroy(): void;
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The directory of the PostgreSQL server binaries (pg_config, else the newest /usr/lib/postgresql/<v>/bin). */
export function postgresBinDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch {
    // no pg_config on PATH: fall back to Debian's layout
  }
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => path.join(root, v, 'bin')));
  }
  const found = candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')));
  if (!found) throw new Error(`no PostgreSQL server binaries (initdb, pg_ctl) found in ${candidates.join(', ') || '(nothing)'}`);
  return found;
}

/** initdb and pg_ctl refuse to run as root: run them as the `postgres` OS user then. */
function runAs(cmd: string, args: string[], opts: { timeoutMs?: number } = {}): string {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 60_000 });
}

/** Creates and starts a private cluster on a free port with a database `outrigger` (trust auth, local only). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outrigger-pg-'));
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'server.log');
  runAs(path.join(bin, 'initdb'), ['-D', data, '-U', 'outrigger', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  // Socket in the private dir, TCP only on loopback; fsync off: the data is thrown away after the test.
  const serverOpts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  let running = false;
  const start = () => {
    runAs(path.join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-o', serverOpts, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = (mode: 'immediate' | 'fast' = 'immediate') => {
    runAs(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
    running = false;
  };
  start();
  try {
    const admin = new pg.Client({ connectionString: `postgres://outrigger@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query('CREATE DATABASE outrigger');
    await admin.end();
  } catch (err) {
    stop('immediate');
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `postgres://outrigger@127.0.0.1:${port}/outrigger`,
    port,
    dir,
    stop,
    start,
    destroy() {
      if (running) {
        try {
          stop('immediate');
        } catch {
          // already gone
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
