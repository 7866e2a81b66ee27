// Fails a test file that leaves child processes running (servers, sandboxes), as graphile-worker's helpers do.
import fs from 'node:fs';
import { afterAll, expect } from 'vitest';
import { waitFor } from '../helpers/wait.js';

function childrenOf(pid: number): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (after the parenthesised command, which may contain spaces) is the parent pid.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[1]) === pid && rest[0] !== 'Z') out.push(`${entry} ${fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`);
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

afterAll(async () => {
  // Give exiting children a moment to be reaped; a process still there after that is a leak.
  let left = childrenOf(process.pid);
  await waitFor(() => (left = childrenOf(process.pid)).length === 0, 'child processes to exit', 5_000, 100).catch(() => undefined);
  expect(left, 'child processes left running by this test file').toEqual([]);
});
