import { Notebook } from '@jupyterlab/notebook';
import { PanelLayout } from '@lumino/widgets';

/**
 * The cells attached with a cell reached ahead of its turn, on each side, so that it
 * is seen in its context.
 */
const CONTEXT_CELLS = 4;
/**
 * How long at most a cell attached ahead of its turn is held in view (ms).
 */
const HOLD_MS = 60000;
/**
 * What a user does to move the view: the hold ends then.
 */
const USER_INPUT = ['wheel', 'pointerdown', 'keydown', 'touchstart'];

/**
 * Attach the cell at `index` (and `CONTEXT_CELLS` on each side) now if the notebook
 * has not attached it yet.
 *
 * In the `defer` and `contentVisibility` windowing modes (JupyterLab's default), a
 * notebook attaches its cells in order, a few at each idle moment: a cell far down a
 * long notebook is not in the page for many seconds, and JupyterLab's own scrolling
 * to it waits for it. JupyterLab's `renderCellOutputs` attaches one cell ahead of its
 * turn the same way (the layout places a node by its `data-windowed-list-index`); the
 * cells before it follow on idle time. In the `full` mode the windowed list attaches
 * the cells it scrolls to by itself.
 */
export function attachAhead(notebook: Notebook, index: number): void {
  if (notebook.notebookConfig.windowingMode === 'full') {
    return;
  }
  const layout = notebook.layout as PanelLayout;
  const cells = notebook.widgets;
  const first = Math.max(0, index - CONTEXT_CELLS);
  const last = Math.min(cells.length - 1, index + CONTEXT_CELLS);
  for (let i = first; i <= last; i++) {
    const cell = cells[i];
    if (cell.isPlaceholder() && !cell.node.isConnected) {
      cell.dataset.windowedListIndex = `${i}`;
      layout.insertWidget(i, cell);
    }
  }
}

/**
 * Keep the cell at `index` where it is on screen while the cells above it, not
 * attached yet (see `attachAhead`), come in: scroll anchoring does not hold it
 * (measured: without this, cell 900 of 1,000 was thousands of pixels below the view
 * 3 s later). Ends when the user scrolls, clicks or types in the notebook, another
 * cell becomes active, the cell is disposed, or after `HOLD_MS`.
 */
export function holdInView(notebook: Notebook, index: number): void {
  const cell = notebook.widgets[index];
  if (
    notebook.notebookConfig.windowingMode === 'full' ||
    !notebook.widgets.slice(0, index).some(above => above.isPlaceholder())
  ) {
    return;
  }
  const outer = notebook.outerNode;
  const top = () =>
    cell.node.getBoundingClientRect().top - outer.getBoundingClientRect().top;
  let last = top();
  const observer = new ResizeObserver(() => {
    if (
      cell.isDisposed ||
      notebook.isDisposed ||
      notebook.activeCell !== cell
    ) {
      stop();
      return;
    }
    const now = top();
    if (now !== last) {
      outer.scrollTop += now - last;
      last = top();
    }
  });
  // On the notebook's node, which holds the focus in command mode (Page Down, arrows)
  // as well as the scrolled area and its scrollbar.
  const node = notebook.node;
  const timer = window.setTimeout(() => stop(), HOLD_MS);
  const stop = () => {
    observer.disconnect();
    window.clearTimeout(timer);
    for (const type of USER_INPUT) {
      node.removeEventListener(type, stop, true);
    }
  };
  for (const type of USER_INPUT) {
    node.addEventListener(type, stop, true);
  }
  observer.observe(notebook.viewportNode);
}
