// The bindings section: a tab per integration point, each kind through the one generic list/detail/form, plus its panel.
import type { ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes, useParams } from 'react-router';
import { BindingCreate, BindingDetail, BindingList } from '../../components/BindingResource';
import { BINDING_KINDS, kindById, type Binding, type BindingKind } from '../../lib/binding-kinds';
import { useSession } from '../../session';
import { AgentRunPanel, CallPanel, ChatPanel, HookPanel, RecognitionSearch, ToolPanel } from './panels';
import './bindings.css';

/** The kind's own panel next to a binding's definition. */
function panelOf(kind: BindingKind): ((item: Binding) => ReactNode) | undefined {
  switch (kind.id) {
    case 'event-hooks': return (item) => <HookPanel item={item} />;
    case 'webhooks': return (item) => <CallPanel item={item} api="/api/webhooks" what="webhook" />;
    case 'udfs': return (item) => <CallPanel item={item} api="/api/udfs" what="UDF" />;
    case 'ai-tools': return (item) => <ToolPanel item={item} />;
    case 'agents': return (item) => <AgentRunPanel key={item.name} item={item} />;
    case 'smart-agents': return (item) => <ChatPanel key={item.name} item={item} />;
    default: return undefined;
  }
}

function KindPage({ view }: { view: 'list' | 'new' | 'detail' }) {
  const { kind: id, name } = useParams();
  const { can } = useSession();
  const kind = kindById(id);
  if (!kind) return <p>No such binding kind. <NavLink to="/bindings">Bindings</NavLink></p>;
  const editable = can('executors:write');
  if (view === 'new') return editable ? <BindingCreate kind={kind} /> : <Navigate to={`/bindings/${kind.id}`} replace />;
  if (view === 'detail') return <BindingDetail kind={kind} name={name!} editable={editable} panel={panelOf(kind)} />;
  return (
    <>
      <BindingList kind={kind} editable={editable} />
      {kind.id === 'recognition' && <RecognitionSearch />}
    </>
  );
}

export default function BindingsPage() {
  return (
    <div className="bindings">
      <nav className="tabs" aria-label="binding kinds">
        {BINDING_KINDS.map((k) => <NavLink key={k.id} to={`/bindings/${k.id}`}>{k.title}</NavLink>)}
      </nav>
      <Routes>
        <Route index element={<Navigate to={`/bindings/${BINDING_KINDS[0]!.id}`} replace />} />
        <Route path=":kind" element={<KindPage view="list" />} />
        <Route path=":kind/new" element={<KindPage view="new" />} />
        <Route path=":kind/:name" element={<KindPage view="detail" />} />
      </Routes>
    </div>
  );
}
