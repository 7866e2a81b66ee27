// CodeMirror 6 editor (loaded in its own chunk): Python, JavaScript, PHP or JSON highlighting, a jump-to-line handle.
import { useEffect, useImperativeHandle, useRef, type Ref } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState, type Extension } from '@codemirror/state';
import { python } from '@codemirror/lang-python';
import { javascript } from '@codemirror/lang-javascript';
import { php } from '@codemirror/lang-php';
import { json } from '@codemirror/lang-json';

export type EditorLanguage = 'python' | 'node' | 'php' | 'json';

export interface CodeEditorHandle {
  /** Moves the cursor to the start of a line (1-based), scrolls it into view and focuses the editor. */
  jumpToLine(line: number): void;
}

function languageOf(lang: EditorLanguage): Extension {
  if (lang === 'python') return python();
  if (lang === 'node') return javascript();
  if (lang === 'php') return php({ plain: true });
  return json();
}

export interface CodeEditorProps {
  value: string;
  language: EditorLanguage;
  onChange?: (value: string) => void;
  readOnly?: boolean;
  label: string;
  minHeight?: string;
  handle?: Ref<CodeEditorHandle>;
}

export default function CodeEditor({ value, language, onChange, readOnly, label, minHeight = '8rem', handle }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          languageOf(language),
          EditorState.readOnly.of(Boolean(readOnly)),
          EditorView.editable.of(!readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.theme({ '&': { minHeight }, '.cm-scroller': { minHeight } }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) onChangeRef.current?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // The editor is created once per language/mode; later value changes from outside are applied below.
  }, [language, readOnly]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useImperativeHandle(handle, () => ({
    jumpToLine(line: number) {
      const v = view.current;
      if (!v) return;
      const target = v.state.doc.line(Math.min(Math.max(1, line), v.state.doc.lines));
      v.dispatch({ selection: { anchor: target.from, head: target.to }, scrollIntoView: true });
      v.focus();
    },
  }));

  return <div className="code-editor" ref={host} data-testid={`editor-${label}`} />;
}
