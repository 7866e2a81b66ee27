// One executor: the definition editor, the test panel over the unsaved draft, save with a message, versions.
import { useEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, enc } from '../lib/api';
import type { Executor } from '../lib/types';
import { DraftError, definitionFromDraft, draftFromDefinition, emptyDraft, STARTER_SOURCE, type DraftForm } from '../lib/draft';
import CodeEditor, { type CodeEditorHandle } from '../components/CodeEditor';
import { Loading, Problem } from '../components/Problem';
import { TestPanel } from './TestPanel';
import { VersionsPanel } from './VersionsPanel';
import { DependenciesStatus } from './DependenciesStatus';
import { useSession } from '../session';

export default function ExecutorPage() {
  const { name } = useParams();
  const creating = name === undefined;
  const q = useQuery({ queryKey: ['executor', name], queryFn: () => api<Executor>('GET', `/api/executors/${enc(name!)}`), enabled: !creating });
  if (!creating && q.isPending) return <Loading what="executor" />;
  if (!creating && q.error) return <Problem error={q.error} />;
  return <ExecutorEditor key={`${name ?? ''}@${q.data?.activeVersion ?? 0}`} executor={q.data ?? null} />;
}

function ExecutorEditor({ executor }: { executor: Executor | null }) {
  const { can } = useSession();
  const editable = can('executors:write');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<DraftForm>(() => (executor ? draftFromDefinition(executor.definition) : emptyDraft()));
  const [message, setMessage] = useState('');
  const [fieldError, setFieldError] = useState<DraftError | null>(null);
  const editor = useRef<CodeEditorHandle>(null);
  const set = <K extends keyof DraftForm>(k: K, v: DraftForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  useEffect(() => {
    setFieldError(null);
  }, [form]);

  const save = useMutation({
    mutationFn: async () => {
      const def = { ...definitionFromDraft(form), ...(message.trim() ? { message: message.trim() } : {}) };
      return executor ? api<Executor>('PUT', `/api/executors/${enc(form.name)}`, def) : api<Executor>('POST', '/api/executors', def);
    },
    onSuccess: async (saved) => {
      setMessage('');
      await queryClient.invalidateQueries({ queryKey: ['executors'] });
      await queryClient.invalidateQueries({ queryKey: ['executor', saved.name] });
      await queryClient.invalidateQueries({ queryKey: ['versions', saved.name] });
      if (!executor) navigate(`/executors/${saved.name}`);
    },
    onError: (err) => {
      if (err instanceof DraftError) setFieldError(err);
    },
  });

  /** The draft the test panel runs; a form that does not make a definition cannot be tested yet. */
  function draft(): Record<string, unknown> {
    return definitionFromDraft(form);
  }

  const err = (f: keyof DraftForm) => (fieldError?.field === f ? <span className="field-error" role="alert">{fieldError.message}</span> : null);

  return (
    <section className="executor">
      <div className="page-head">
        <h1>{executor ? executor.name : 'New executor'}</h1>
        {executor && <span className="muted">active v{executor.activeVersion} · latest v{executor.latestVersion}</span>}
      </div>
      <div className="columns">
        <form className="card definition" aria-label="definition" onSubmit={(e) => { e.preventDefault(); save.mutate(); }}>
          <fieldset disabled={!editable}>
            <div className="row">
              <label>Name <input name="name" value={form.name} readOnly={Boolean(executor)} required pattern="[a-z][a-z0-9_\-]{0,62}" onChange={(e) => set('name', e.target.value)} /></label>
              <label>Type
                <select value={form.type} disabled={Boolean(executor)} onChange={(e) => set('type', e.target.value as DraftForm['type'])}>
                  <option value="code">code</option><option value="apiCall">apiCall</option>
                </select>
              </label>
              {form.type === 'code' && (
                <>
                  <label>Language
                    <select value={form.language} onChange={(e) => {
                      const language = e.target.value as DraftForm['language'];
                      setForm((f) => ({ ...f, language, source: f.source === STARTER_SOURCE[f.language] ? STARTER_SOURCE[language] : f.source }));
                    }}>
                      <option value="python">Python</option><option value="node">JavaScript (Node)</option><option value="php">PHP</option>
                    </select>
                  </label>
                  <label>Mode
                    <select value={form.mode} onChange={(e) => set('mode', e.target.value as DraftForm['mode'])}>
                      <option value="handler">handler</option><option value="script">script</option>
                    </select>
                  </label>
                </>
              )}
            </div>
            <label>Description <input value={form.description} onChange={(e) => set('description', e.target.value)} /></label>
            {form.type === 'code' ? (
              <div className="field">
                <span className="label" id="source-label">Source</span>
                <CodeEditor label="source" language={form.language} value={form.source} onChange={(v) => set('source', v)} readOnly={!editable} handle={editor} minHeight="16rem" />
              </div>
            ) : (
              <div className="field">
                <span className="label">API call (JSON)</span>
                <CodeEditor label="apiCall" language="json" value={form.apiCall} onChange={(v) => set('apiCall', v)} readOnly={!editable} />
                {err('apiCall')}
              </div>
            )}
            <div className="row">
              <div className="field grow">
                <span className="label">Input schema</span>
                <CodeEditor label="input schema" language="json" value={form.inputSchema} onChange={(v) => set('inputSchema', v)} readOnly={!editable} minHeight="5rem" />
                {err('inputSchema')}
              </div>
              <div className="field grow">
                <span className="label">Output schema</span>
                <CodeEditor label="output schema" language="json" value={form.outputSchema} onChange={(v) => set('outputSchema', v)} readOnly={!editable} minHeight="5rem" />
                {err('outputSchema')}
              </div>
            </div>
            {form.type === 'code' && (
              <div className="row">
                <label className="grow">Dependencies ({form.language === 'python' ? 'requirements.txt' : form.language === 'node' ? 'package.json' : 'composer.json'})
                  <textarea rows={3} value={form.dependencies} onChange={(e) => set('dependencies', e.target.value)} />
                </label>
                <label className="grow">Egress hosts (one a line)
                  <textarea rows={3} value={form.egress} onChange={(e) => set('egress', e.target.value)} />
                </label>
              </div>
            )}
            <div className="row">
              {form.type === 'code' && <label>Memory (MB) <input inputMode="numeric" value={form.memoryMb} placeholder="default" onChange={(e) => set('memoryMb', e.target.value)} />{err('memoryMb')}</label>}
              <label>Time-out (ms) <input inputMode="numeric" value={form.timeoutMs} onChange={(e) => set('timeoutMs', e.target.value)} />{err('timeoutMs')}</label>
            </div>
          </fieldset>
          {executor?.definition.code?.dependencies && <DependenciesStatus name={executor.name} version={executor.activeVersion} />}
          {editable && (
            <div className="row save">
              <label className="grow">Version message <input name="message" value={message} onChange={(e) => setMessage(e.target.value)} placeholder="what changed" /></label>
              <button type="submit" disabled={save.isPending}>{executor ? 'Save' : 'Create'}</button>
            </div>
          )}
          {save.error && !(save.error instanceof DraftError) && <Problem error={save.error} />}
          {save.isSuccess && <p className="ok" role="status">Saved.</p>}
        </form>
        <div className="side">
          {editable && <TestPanel name={form.name} draft={draft} inputSchemaText={form.inputSchema} onJumpToLine={(line) => editor.current?.jumpToLine(line)} />}
          {executor && <VersionsPanel executor={executor} />}
        </div>
      </div>
    </section>
  );
}
