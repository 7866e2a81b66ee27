// Reporters of `outrigger test`: text for people, TAP 14 for TAP consumers, JUnit XML for CI systems.
import path from 'node:path';
import { FIXTURES_DIR, type TestRunResult } from './fixtures.js';

/** The outcome of one fixture. */
export interface FixtureOutcome {
  executor: string;
  /** The fixture file, relative to the working directory. */
  file: string;
  /** Why the fixture failed (empty when it passed); each entry may span lines (diffs). */
  failures: string[];
  /** Set when the fixture was not run, with the reason. */
  skipped?: string;
  result?: TestRunResult;
}

export interface RunSummary {
  passed: number;
  failed: number;
  skipped: number;
  total: number;
  executors: number;
  durationMs: number;
}

export interface Reporter {
  begin(total: number): void;
  executor(name: string, fixtures: number): void;
  fixture(n: number, o: FixtureOutcome): void;
  end(s: RunSummary): void;
}

export const REPORTERS = ['text', 'tap', 'junit'] as const;
export type ReporterName = (typeof REPORTERS)[number];

const MAX_LOG_LINES = 20;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const fixtureName = (o: FixtureOutcome) => path.join(FIXTURES_DIR, path.basename(o.file));

/** The part of a run worth showing next to a failure: its last log lines. */
function logExcerpt(r: TestRunResult | undefined): string[] {
  const logs = r?.logs ?? [];
  if (!logs.length) return [];
  const shown = logs.slice(-MAX_LOG_LINES).map((l) => `  [${l.level}] ${l.message}`);
  return [`logs${logs.length > MAX_LOG_LINES ? ` (last ${MAX_LOG_LINES} of ${logs.length})` : ''}:`, ...shown];
}

/** Failure lines, then logs, then the execution id (remote runs), one line each. */
function failureDetails(o: FixtureOutcome): string[] {
  if (!o.failures.length) return [];
  const exec = o.result?.executionId && !o.result.executionId.startsWith('local') ? [`execution: ${o.result.executionId}`] : [];
  return [...o.failures.flatMap((f) => f.replace(/\n$/, '').split('\n')), ...logExcerpt(o.result), ...exec];
}

const timing = (o: FixtureOutcome) => (o.result ? ` (${Math.round(o.result.durationMs)} ms)` : '');

/** One line per fixture, grouped by executor, details under failures. */
export function textReporter(out: (s: string) => void): Reporter {
  return {
    begin: () => undefined,
    executor: (name, n) => out(n ? `${name}\n` : `${name}: no fixtures\n`),
    fixture(_n, o) {
      const mark = o.skipped ? 'SKIP' : o.failures.length ? 'FAIL' : 'PASS';
      out(`  ${mark} ${fixtureName(o)}${timing(o)}${o.skipped ? ` (${o.skipped})` : ''}\n`);
      out(failureDetails(o).map((l) => `       ${l}\n`).join(''));
    },
    end: (s) => out(`\n${s.passed} passed, ${s.failed} failed${s.skipped ? `, ${s.skipped} skipped` : ''} (${plural(s.total, 'fixture')} of ${plural(s.executors, 'executor')})\n`),
  };
}

/** TAP version 14: a plan, one test point per fixture, failure details as a YAML block, skips as directives. */
export function tapReporter(out: (s: string) => void): Reporter {
  return {
    begin: (total) => out(`TAP version 14\n1..${total}\n`),
    executor: (name, n) => { if (!n) out(`# ${name}: no fixtures\n`); },
    fixture(n, o) {
      const skip = o.skipped ? ` # SKIP ${o.skipped}` : '';
      out(`${o.failures.length ? 'not ok' : 'ok'} ${n} - ${o.executor} ${fixtureName(o)}${timing(o)}${skip}\n`);
      const details = failureDetails(o);
      if (details.length) out(`  ---\n  message: |-\n${details.map((l) => `    ${l}`).join('\n')}\n  ...\n`);
    },
    end: (s) => out(`# pass ${s.passed}\n# fail ${s.failed}\n${s.skipped ? `# skip ${s.skipped}\n` : ''}`),
  };
}

// XML 1.0 allows tab, newline, carriage return and everything from U+0020 except surrogates and U+FFFE/U+FFFF:
// tenant code writes the logs, so anything else is replaced rather than allowed to break the report.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text for XML content and attribute values. */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/**
 * JUnit XML as Jenkins, GitLab and GitHub test-report actions read it: one <testsuite> per executor, one <testcase>
 * per fixture (classname = executor, name = fixture file), <failure> with the mismatch and the expected-vs-actual
 * diff, <skipped> with the reason, the run's logs in <system-out>. Written when the run ends.
 */
export function junitReporter(write: (xml: string) => void): Reporter {
  const suites = new Map<string, FixtureOutcome[]>();
  return {
    begin: () => undefined,
    executor: (name) => { suites.set(name, []); },
    fixture: (_n, o) => { suites.get(o.executor)!.push(o); },
    end(s) {
      const lines = ['<?xml version="1.0" encoding="UTF-8"?>',
        `<testsuites name="outrigger test" tests="${s.total}" failures="${s.failed}" errors="0" skipped="${s.skipped}" time="${seconds(s.durationMs)}">`];
      for (const [name, outcomes] of suites) {
        const failed = outcomes.filter((o) => o.failures.length).length;
        const skipped = outcomes.filter((o) => o.skipped).length;
        const time = outcomes.reduce((t, o) => t + (o.result?.durationMs ?? 0), 0);
        lines.push(`  <testsuite name="${xmlEscape(name)}" tests="${outcomes.length}" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(time)}">`);
        for (const o of outcomes) {
          const attrs = `classname="${xmlEscape(o.executor)}" name="${xmlEscape(fixtureName(o))}" file="${xmlEscape(o.file)}" time="${seconds(o.result?.durationMs ?? 0)}"`;
          const body: string[] = [];
          if (o.skipped) body.push(`      <skipped message="${xmlEscape(o.skipped)}"/>`);
          if (o.failures.length) {
            const first = o.failures[0]!.split('\n')[0]!;
            body.push(`      <failure message="${xmlEscape(first)}" type="${o.result?.status === 'error' ? xmlEscape(o.result.error?.code ?? 'ERROR') : 'ExpectationFailed'}">${xmlEscape(o.failures.join('\n'))}</failure>`);
          }
          const logs = o.result?.logs ?? [];
          if (logs.length) body.push(`      <system-out>${xmlEscape(logs.map((l) => `[${l.level}] ${l.message}`).join('\n'))}</system-out>`);
          lines.push(body.length ? `    <testcase ${attrs}>\n${body.join('\n')}\n    </testcase>` : `    <testcase ${attrs}/>`);
        }
        lines.push('  </testsuite>');
      }
      lines.push('</testsuites>', '');
      write(lines.join('\n'));
    },
  };
}
