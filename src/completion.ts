import {
  autocompletion,
  Completion,
  CompletionContext,
  CompletionResult
} from '@codemirror/autocomplete';
import { EditorView } from '@codemirror/view';
import {
  EditorExtensionRegistry,
  IEditorExtensionRegistry
} from '@jupyterlab/codemirror';

import { ISearchHit } from './tokens';

/**
 * The markdown mime types of JupyterLab's editors (cells and files).
 */
const MARKDOWN = new Set([
  'text/x-ipythongfm',
  'text/markdown',
  'text/x-markdown'
]);

/**
 * What the completion needs: search, and an id that is persisted before insertion.
 */
export interface ICompletionBackend {
  search(query: string): Promise<ISearchHit[]>;
  /**
   * The block's id, written into its notebook first when it has none.
   */
  persistedId(hit: ISearchHit): Promise<string>;
}

/**
 * `((` followed by what the user types, up to the cursor.
 */
const TRIGGER = /\(\(([^()\n]{0,100})$/;

/**
 * The completion source: blocks matching what follows `((`, as the user types.
 */
export function blockCompletionSource(backend: ICompletionBackend) {
  return async (
    context: CompletionContext
  ): Promise<CompletionResult | null> => {
    const match = context.matchBefore(TRIGGER);
    if (!match) {
      return null;
    }
    const query = match.text.slice(2);
    if (query.trim().length === 0) {
      return null; // nothing to search for yet
    }
    let hits: ISearchHit[];
    try {
      hits = await backend.search(query);
    } catch {
      return null;
    }
    if (context.aborted) {
      return null;
    }
    return {
      from: match.from,
      to: context.pos,
      filter: false, // the server ranked them
      options: labelsFirst(hits).map(hit => completion(hit, backend))
    };
  };
}

/**
 * The server's ranking, with the blocks that declare a label first: a label is the
 * name an author gave a block to be referenced by.
 */
export function labelsFirst(hits: ISearchHit[]): ISearchHit[] {
  return [...hits.filter(h => h.label), ...hits.filter(h => !h.label)];
}

function completion(hit: ISearchHit, backend: ICompletionBackend): Completion {
  const snippet = hit.snippet || '(empty cell)';
  const shown = hit.label
    ? `${hit.label} — ${hit.title || snippet}`
    : hit.title || snippet;
  return {
    label: shown.length > 70 ? shown.slice(0, 69) + '…' : shown,
    // The notebook's path in full: two notebooks may share a name.
    detail: `${hit.cell_type} · ${hit.path}`,
    info: `${hit.path}, cell ${hit.index + 1}\n\n${snippet}`,
    apply: (view: EditorView, _: Completion, from: number, to: number) => {
      // A "))" already typed after the cursor is part of what is replaced.
      const end = view.state.sliceDoc(to, to + 2) === '))' ? to + 2 : to;
      const insert = (id: string) => {
        const text = `((${id}))`;
        view.dispatch({
          changes: { from, to: end, insert: text },
          selection: { anchor: from + text.length }
        });
      };
      if (hit.label) {
        insert(hit.label); // readable, and what Quarto and MyST resolve too
      } else if (hit.id) {
        insert(hit.id);
      } else {
        // An id-less notebook gets its ids first, so the reference never dangles.
        void backend.persistedId(hit).then(insert);
      }
    }
  };
}

/**
 * Register the `((` completion in every markdown editor.
 */
export function registerBlockCompletion(
  registry: IEditorExtensionRegistry,
  backend: ICompletionBackend
): void {
  const extension = autocompletion({
    override: [blockCompletionSource(backend)],
    activateOnTyping: true,
    icons: false,
    closeOnBlur: true
  });
  registry.addExtension({
    name: 'jupyter-blocks:block-completion',
    factory: options =>
      MARKDOWN.has(options.model.mimeType)
        ? EditorExtensionRegistry.createImmutableExtension(extension)
        : null
  });
}
