// The one list + detail + form pattern of every binding kind: a table of the bindings, a detail page that is a form
// for editors and a definition list for readers, create/save/delete with the API's field errors next to the fields.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, enc } from '../lib/api';
import { FormErrors, placeFieldErrors, type FieldDef, type FormValue, type FormValues, type RuleRow } from '../lib/binding-form';
import type { Binding, BindingKind } from '../lib/binding-kinds';
import { Loading, Problem } from './Problem';

export const bindingsKey = (kind: BindingKind) => ['bindings', kind.id];

/** The bindings of a kind (the `items` of its list route). */
export function useBindings(kind: BindingKind) {
  return useQuery({ queryKey: bindingsKey(kind), queryFn: () => api<{ items: Binding[] }>('GET', kind.api) });
}

export function BindingList({ kind, editable }: { kind: BindingKind; editable: boolean }) {
  const list = useBindings(kind);
  const [search, setSearch] = useState('');
  const all = list.data?.items ?? [];
  const items = all.filter((i) => !search || i.name.includes(search) || kind.columns.some((c) => c.value(i).includes(search)));
  return (
    <section aria-labelledby="bindings-title">
      <div className="page-head">
        <h1 id="bindings-title">{kind.title}</h1>
        {editable && <Link className="button" to={`/bindings/${kind.id}/new`}>New {kind.singular}</Link>}
      </div>
      <p className="muted">{kind.blurb}</p>
      {all.length > 5 && (
        <div className="filters"><label>Search <input type="search" value={search} onChange={(e) => setSearch(e.target.value)} /></label></div>
      )}
      <Problem error={list.error} />
      {list.isPending ? <Loading what={kind.title.toLowerCase()} /> : items.length === 0 ? (
        <p className="empty">{all.length ? `No ${kind.singular} matches.` : `No ${kind.title.toLowerCase()} yet.`}</p>
      ) : (
        <div className="table-scroll">
          <table className="grid" data-testid="bindings-table">
            <thead><tr><th>Name</th>{kind.columns.map((c) => <th key={c.label}>{c.label}</th>)}<th>Updated</th></tr></thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.name}>
                  <td><Link to={`/bindings/${kind.id}/${enc(i.name)}`}>{i.name}</Link></td>
                  {kind.columns.map((c) => <td key={c.label}>{c.value(i)}</td>)}
                  <td>{typeof i.updatedAt === 'string' ? new Date(i.updatedAt).toLocaleString() : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One binding: its form (editors) or its definition (readers), then the kind's own panel (call, run, chat …). */
export function BindingDetail({ kind, name, editable, panel }: { kind: BindingKind; name: string; editable: boolean; panel?: (item: Binding) => ReactNode }) {
  const q = useQuery({ queryKey: [...bindingsKey(kind), name], queryFn: () => api<Binding>('GET', `${kind.api}/${enc(name)}`) });
  if (q.isPending) return <Loading what={kind.singular} />;
  if (q.error) return <><BackLink kind={kind} /><Problem error={q.error} /></>;
  const item = q.data;
  return (
    <section aria-labelledby="binding-title">
      <BackLink kind={kind} />
      <h1 id="binding-title">{kind.singular[0]!.toUpperCase() + kind.singular.slice(1)} {item.name}</h1>
      <div className="columns">
        <div>
          {editable ? <BindingForm key={item.name} kind={kind} item={item} /> : <BindingDefinition kind={kind} item={item} />}
        </div>
        <div>{panel?.(item)}</div>
      </div>
    </section>
  );
}

export function BindingCreate({ kind }: { kind: BindingKind }) {
  return (
    <section aria-labelledby="binding-title">
      <BackLink kind={kind} />
      <h1 id="binding-title">New {kind.singular}</h1>
      <BindingForm kind={kind} item={null} />
    </section>
  );
}

function BackLink({ kind }: { kind: BindingKind }) {
  return <p className="back"><Link to={`/bindings/${kind.id}`}>← {kind.title}</Link></p>;
}

/** Read-only: each field's label and value. */
function BindingDefinition({ kind, item }: { kind: BindingKind; item: Binding }) {
  const v = kind.fromItem(item);
  return (
    <dl className="card definition" data-testid="binding-definition">
      {kind.fields.map((f) => {
        const x = v[f.key];
        const shown = f.kind === 'rules' ? (Array.isArray(x) && x.length ? (x as RuleRow[]).map((r, i) => `${i + 1}. ${r.name ? `${r.name}: ` : ''}when ${r.when} then ${r.then}${r.message ? ` — ${r.message}` : ''}`).join('\n') : '')
          : Array.isArray(x) ? x.join(', ') : typeof x === 'boolean' ? (x ? 'yes' : 'no') : x;
        return (
          <div key={f.key}>
            <dt>{f.group ? `${f.group}: ` : ''}{f.label}</dt>
            <dd>{shown === '' || shown === undefined ? <span className="muted">—</span> : f.kind === 'json' || f.kind === 'textarea' || f.kind === 'rules' ? <pre>{shown}</pre> : shown}</dd>
          </div>
        );
      })}
    </dl>
  );
}

function BindingForm({ kind, item }: { kind: BindingKind; item: Binding | null }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => (item ? kind.fromItem(item) : kind.empty()));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const set = (key: string, value: FormValue) => setValues((v) => ({ ...v, [key]: value }));

  const save = useMutation({
    mutationFn: () => {
      const body = kind.toBody(values);
      return item ? api<Binding>('PUT', `${kind.api}/${enc(item.name)}`, body) : api<Binding>('POST', kind.api, body);
    },
    onSuccess: async (saved) => {
      await queryClient.invalidateQueries({ queryKey: bindingsKey(kind) });
      if (!item) navigate(`/bindings/${kind.id}/${enc(saved.name)}`);
    },
  });
  const del = useMutation({
    mutationFn: () => api('DELETE', `${kind.api}/${enc(item!.name)}`),
    onSuccess: async () => {
      // Leave the page first: its query must not ask again for what no longer exists.
      navigate(`/bindings/${kind.id}`);
      queryClient.removeQueries({ queryKey: [...bindingsKey(kind), item!.name], exact: true });
      await queryClient.invalidateQueries({ queryKey: bindingsKey(kind), exact: true });
    },
  });

  const errors: Record<string, string[]> = save.error instanceof FormErrors
    ? Object.fromEntries(Object.entries(save.error.byField).map(([k, m]) => [k, [m]]))
    : save.error instanceof ApiError ? placeFieldErrors(kind.fields, save.error.errors) : {};

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }

  return (
    <form className="card binding-form" onSubmit={submit} aria-label={`${item ? 'edit' : 'create'} ${kind.singular}`} noValidate>
      <div className="form-grid">
        {kind.fields.map((f) => [
          f.group ? <h3 key={`${f.key}-group`} className="wide">{f.group}</h3> : null,
          <div key={f.key} className={f.kind === 'number' ? 'narrow' : 'wide'}>
            <Field field={f} value={values[f.key]} onChange={(x) => set(f.key, x)} errors={errors[f.key]} locked={!!item && f.key === 'name'} />
          </div>,
        ])}
      </div>
      <FormProblem error={save.error} unplaced={errors['']} />
      <Problem error={del.error} />
      <div className="row">
        <button type="submit" disabled={save.isPending}>{item ? 'Save' : 'Create'}</button>
        {save.isSuccess && item && !save.isPending && <span className="ok" role="status">Saved.</span>}
        {item && (confirmDelete ? (
          <>
            <button type="button" className="danger" onClick={() => del.mutate()} disabled={del.isPending}>Really delete {item.name}</button>
            <button type="button" className="link" onClick={() => setConfirmDelete(false)}>Keep it</button>
          </>
        ) : <button type="button" className="secondary" onClick={() => setConfirmDelete(true)}>Delete</button>)}
      </div>
    </form>
  );
}

/** The form's problem: with field errors, a pointer to the marked fields plus the errors no field shows. */
function FormProblem({ error, unplaced }: { error: unknown; unplaced?: string[] }) {
  if (!error) return null;
  const fieldErrors = error instanceof FormErrors || (error instanceof ApiError && error.errors.length > 0);
  if (!fieldErrors) return <Problem error={error} />;
  return (
    <div className="problem" role="alert" data-testid="form-problem">
      <strong>{error instanceof ApiError ? error.title : 'Not sent yet'}</strong> — please correct the marked fields.
      {unplaced?.length ? <ul>{unplaced.map((m, i) => <li key={i}>{m}</li>)}</ul> : null}
    </div>
  );
}

interface FieldProps {
  field: FieldDef;
  value: FormValue | undefined;
  onChange(v: FormValue): void;
  errors?: string[];
  locked?: boolean;
}

/** One form field by its kind, with its help and its errors (announced through aria-describedby). */
function Field({ field: f, value, onChange, errors, locked }: FieldProps) {
  const id = `field-${f.key}`;
  const describedBy = [f.help ? `${id}-help` : '', errors?.length ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = { id, name: f.key, 'aria-invalid': errors?.length ? true : undefined, 'aria-describedby': describedBy } as const;
  const text = typeof value === 'string' ? value : '';
  const after = (
    <>
      {f.help && <span className="help" id={`${id}-help`}>{f.help}</span>}
      {errors?.length ? <span className="field-error" id={`${id}-error`}>{errors.join('; ')}</span> : null}
    </>
  );
  if (f.kind === 'rules') {
    return (
      <fieldset className="field" aria-describedby={describedBy}>
        <legend className="label">{f.label}</legend>
        {after}
        <RulesEditor value={Array.isArray(value) ? (value as RuleRow[]) : []} onChange={onChange} />
      </fieldset>
    );
  }
  if (f.kind === 'eventTypes' || f.kind === 'tools') {
    return (
      <fieldset className="field" aria-describedby={describedBy}>
        <legend className="label">{f.label}{f.required ? ' *' : ''}</legend>
        {f.kind === 'eventTypes'
          ? <EventTypesPicker value={strings(value)} onChange={onChange} />
          : <ToolsPicker value={strings(value)} onChange={onChange} />}
        {after}
      </fieldset>
    );
  }
  if (f.kind === 'checkbox') {
    return (
      <div className="field">
        <label className="check"><input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} /> {f.label}</label>
        {after}
      </div>
    );
  }
  let control: ReactNode;
  if (f.kind === 'textarea' || f.kind === 'json') {
    control = <textarea {...common} rows={f.rows ?? 3} value={text} placeholder={f.placeholder} spellCheck={f.kind === 'textarea'} onChange={(e) => onChange(e.target.value)} />;
  } else if (f.kind === 'select') {
    control = <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>{(f.options ?? []).map((o) => <option key={o} value={o}>{o}</option>)}</select>;
  } else if (f.kind === 'executor') {
    control = <ExecutorSelect {...common} value={text} onChange={onChange} />;
  } else {
    control = <input {...common} type="text" inputMode={f.kind === 'number' ? 'decimal' : undefined} value={text} placeholder={f.placeholder} readOnly={locked} required={f.required} onChange={(e) => onChange(e.target.value)} />;
  }
  return (
    <div className="field">
      <label htmlFor={id}>{f.label}{f.required ? ' *' : ''}{f.kind === 'json' && <JsonState text={text} />}</label>
      {control}
      {after}
    </div>
  );
}

const strings = (v: FormValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const OUTCOMES = ['execute', 'reject', 'handoff'] as const;

/** The rules of a rule-based agent, in order: name, condition (JSON Logic), outcome and message; add, move, remove. */
function RulesEditor({ value, onChange }: { value: RuleRow[]; onChange(v: RuleRow[]): void }) {
  const update = (i: number, patch: Partial<RuleRow>) => onChange(value.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const move = (i: number, by: number) => {
    const next = [...value];
    const [r] = next.splice(i, 1);
    next.splice(i + by, 0, r!);
    onChange(next);
  };
  return (
    <div className="rules" data-testid="rules">
      {value.length === 0 && <p className="muted">No rules: every run goes to the action executor.</p>}
      <ol>
        {value.map((r, i) => (
          <li key={i} className="rule">
            <fieldset aria-label={`rule ${i + 1}`}>
              <div className="rule-row">
                <label>Name <input name={`rule-${i}-name`} value={r.name} onChange={(e) => update(i, { name: e.target.value })} /></label>
                <label>Then
                  <select name={`rule-${i}-then`} value={r.then} onChange={(e) => update(i, { then: e.target.value as RuleRow['then'] })}>
                    {OUTCOMES.map((o) => <option key={o} value={o}>{o}</option>)}
                  </select>
                </label>
              </div>
              <label>When (JSON Logic)<JsonState text={r.when} />
                <textarea name={`rule-${i}-when`} rows={2} spellCheck={false} value={r.when} placeholder='{">": [{"var": "data.reading"}, 99999]}' onChange={(e) => update(i, { when: e.target.value })} />
              </label>
              {r.then !== 'execute' && (
                <label>Message (Mustache) <input name={`rule-${i}-message`} value={r.message} onChange={(e) => update(i, { message: e.target.value })} /></label>
              )}
              <div className="row">
                {i > 0 && <button type="button" className="link" onClick={() => move(i, -1)}>Move rule {i + 1} up</button>}
                {i < value.length - 1 && <button type="button" className="link" onClick={() => move(i, 1)}>Move rule {i + 1} down</button>}
                <button type="button" className="link" onClick={() => onChange(value.filter((_, j) => j !== i))}>Remove rule {i + 1}</button>
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <button type="button" className="secondary" onClick={() => onChange([...value, { name: '', when: '', then: 'reject', message: '' }])}>Add rule</button>
    </div>
  );
}

/** Whether a JSON field parses, as you type. */
function JsonState({ text }: { text: string }) {
  if (!text.trim()) return null;
  try {
    JSON.parse(text);
    return <span className="json-ok"> · valid JSON</span>;
  } catch {
    return <span className="json-bad"> · not valid JSON yet</span>;
  }
}

function ExecutorSelect({ value, onChange, ...rest }: { value: string; onChange(v: string): void; id: string; name: string }) {
  const q = useQuery({ queryKey: ['executors'], queryFn: () => api<{ items: Array<{ name: string; type: string }> }>('GET', '/api/executors') });
  const names = (q.data?.items ?? []).map((e) => e.name);
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <select {...rest} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{q.isPending ? 'loading executors…' : names.length ? '— choose an executor —' : 'no executors yet'}</option>
      {names.map((n) => <option key={n} value={n}>{n}</option>)}
    </select>
  );
}

interface Catalogue {
  items: Array<{ type: string; kind: 'platform' | 'cron'; schedule?: string }>;
  patterns: Array<{ pattern: string; description: string }>;
}

/** The event types picker: the catalogue as checkboxes (platform, cron), plus custom types and patterns as text. */
function EventTypesPicker({ value, onChange }: { value: string[]; onChange(v: string[]): void }) {
  const q = useQuery({ queryKey: ['event-types'], queryFn: () => api<Catalogue>('GET', '/api/event-types'), staleTime: Infinity });
  const known = new Set((q.data?.items ?? []).map((i) => i.type));
  const [customText, setCustomText] = useState<string | null>(null);
  if (q.isPending) return <Loading what="event types" />;
  if (q.error) return <Problem error={q.error} />;
  const checked = value.filter((t) => known.has(t));
  const custom = value.filter((t) => !known.has(t));
  const toggle = (t: string, on: boolean) => onChange([...(on ? [...checked, t] : checked.filter((x) => x !== t)), ...custom]);
  const setCustom = (text: string) => {
    setCustomText(text);
    onChange([...checked, ...text.split(',').map((x) => x.trim()).filter(Boolean)]);
  };
  const group = (kind: 'platform' | 'cron', title: string) => (
    <div className="type-group" role="group" aria-label={title}>
      <span className="muted">{title}</span>
      <div className="checks">
        {q.data.items.filter((i) => i.kind === kind).map((i) => (
          <label key={i.type} className="check" title={i.schedule}>
            <input type="checkbox" checked={checked.includes(i.type)} onChange={(e) => toggle(i.type, e.target.checked)} /> {i.type}
            {i.schedule && <span className="muted"> ({i.schedule})</span>}
          </label>
        ))}
      </div>
    </div>
  );
  return (
    <div className="event-types" data-testid="event-types">
      {group('platform', 'Platform events')}
      {group('cron', 'Cron events')}
      <label>Custom types and patterns (comma-separated)
        <input name="customEventTypes" value={customText ?? custom.join(', ')} placeholder="custom.order_paid, custom.shop.*" onChange={(e) => setCustom(e.target.value)} />
      </label>
      <span className="help">{q.data.patterns.map((p) => `${p.pattern}: ${p.description}`).join(' · ')}</span>
    </div>
  );
}

function ToolsPicker({ value, onChange }: { value: string[]; onChange(v: string[]): void }) {
  const q = useQuery({ queryKey: ['bindings', 'ai-tools'], queryFn: () => api<{ items: Binding[] }>('GET', '/api/ai/tools') });
  if (q.isPending) return <Loading what="AI tools" />;
  if (q.error) return <Problem error={q.error} />;
  const names = q.data.items.map((t) => t.name);
  for (const v of value) if (!names.includes(v)) names.push(v);
  if (names.length === 0) return <p className="muted">No AI tools yet: create one under AI tools first.</p>;
  return (
    <div className="checks">
      {names.map((n) => (
        <label key={n} className="check">
          <input type="checkbox" checked={value.includes(n)} onChange={(e) => onChange(e.target.checked ? [...value, n] : value.filter((x) => x !== n))} /> {n}
        </label>
      ))}
    </div>
  );
}
