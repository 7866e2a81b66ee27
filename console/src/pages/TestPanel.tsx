// Test panel: JSON input checked against the input schema as it is typed, the draft run with streamed logs and the result.
import { useMemo, useState } from 'react';
import { checkInput } from '../lib/json-input';
import { streamTestRun } from '../lib/test-run';
import { errorLine } from '../lib/error-line';
import type { InvocationResult, LogLine } from '../lib/types';
import { DraftError } from '../lib/draft';
import CodeEditor from '../components/CodeEditor';
import { LogStream } from '../components/LogStream';
import { Problem } from '../components/Problem';

function parsedSchema(text: string): object | null {
  try {
    const v = text.trim() ? (JSON.parse(text) as unknown) : null;
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

export interface TestPanelProps {
  name: string;
  draft: () => Record<string, unknown>;
  inputSchemaText: string;
  onJumpToLine(line: number): void;
}

export function TestPanel({ name, draft, inputSchemaText, onJumpToLine }: TestPanelProps) {
  const [inputText, setInputText] = useState('{}');
  const [logs, setLogs] = useState<LogLine[]>([]);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<InvocationResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const schema = useMemo(() => parsedSchema(inputSchemaText), [inputSchemaText]);
  const check = useMemo(() => checkInput(inputText, schema), [inputText, schema]);

  async function run() {
    if (!check.ok) return;
    setRunning(true);
    setLogs([]);
    setResult(null);
    setError(null);
    try {
      const r = await streamTestRun(name, draft(), check.value, { onLog: (l) => setLogs((ls) => [...ls, l]) });
      setLogs(r.logs);
      setResult(r);
    } catch (err) {
      setError(err instanceof DraftError ? new Error(`fix the definition first: ${err.message}`) : err);
    } finally {
      setRunning(false);
    }
  }

  const line = result?.status === 'error' ? errorLine(result.error?.details) : null;
  return (
    <section className="card test-panel" aria-labelledby="test-title">
      <h2 id="test-title">Test the draft</h2>
      <div className="field">
        <span className="label">Input (JSON)</span>
        <CodeEditor label="test input" language="json" value={inputText} onChange={setInputText} minHeight="4rem" />
        {check.ok ? <p className="ok" data-testid="input-ok">input matches the schema</p> : (
          <ul className="field-error" data-testid="input-problems" role="alert">
            {check.problems.map((p, i) => <li key={i}>{p.path && <code>{p.path}</code>} {p.message}</li>)}
          </ul>
        )}
      </div>
      <button type="button" onClick={run} disabled={running || !check.ok || !name}>{running ? 'Running…' : 'Run test'}</button>
      {!name && <p className="muted">Give the executor a name to test it.</p>}
      <Problem error={error} />
      <h3>Logs</h3>
      <LogStream lines={logs} running={running} />
      {result && (
        <div className="result" data-testid="result">
          <p>
            <span className={`status status-${result.status}`}>{result.status}</span>{' '}
            <span data-testid="duration">{result.durationMs.toFixed(0)} ms</span> · <span>{result.coldStart ? 'cold start' : 'warm'}</span>
          </p>
          {result.status === 'ok' ? (
            <pre className="output" data-testid="output">{JSON.stringify(result.output, null, 2)}</pre>
          ) : (
            <div className="run-error" data-testid="run-error">
              <p><strong>{result.error?.code}</strong> {result.error?.message}</p>
              {line !== null && <button type="button" className="link" onClick={() => onJumpToLine(line)}>Go to line {line}</button>}
              {result.error?.details?.stack && <pre className="stack">{result.error.details.stack}</pre>}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
