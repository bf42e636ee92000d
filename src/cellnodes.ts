import { Cell } from '@jupyterlab/cells';
import {
  INotebookTracker,
  Notebook,
  NotebookPanel
} from '@jupyterlab/notebook';

import { labelOf } from './labels';

/**
 * The attribute of a cell's node that holds its block id (the cell's nbformat id).
 */
export const BLOCK_ID_ATTRIBUTE = 'data-block-id';

/**
 * The attribute of a cell's node that holds its label, when it has one (`labelOf`).
 */
export const BLOCK_LABEL_ATTRIBUTE = 'data-block-label';

/**
 * Put a cell's block id and label on its node (`.jp-Cell`), or bring them up to date.
 */
export function markCell(cell: Cell): void {
  const node = cell.node;
  const id = cell.model.id;
  if (node.getAttribute(BLOCK_ID_ATTRIBUTE) !== id) {
    node.setAttribute(BLOCK_ID_ATTRIBUTE, id);
  }
  const label = labelOf(cell.model.sharedModel.getSource(), cell.model.type);
  if (label === null) {
    node.removeAttribute(BLOCK_LABEL_ATTRIBUTE);
  } else if (node.getAttribute(BLOCK_LABEL_ATTRIBUTE) !== label) {
    node.setAttribute(BLOCK_LABEL_ATTRIBUTE, label);
  }
}

/**
 * Keeps `data-block-id` and `data-block-label` on every cell of every open notebook, so
 * that end-to-end tests (and styles) can address a cell by its block id, which
 * JupyterLab does not put in the DOM.
 *
 * The attributes live on each cell widget's node, which exists from the widget's
 * creation whether or not it is attached: in a windowed notebook a cell scrolled into
 * view is attached with its attributes already there. The notebook's own signals say
 * which cells changed, so nothing watches the DOM:
 *
 * - `cells.changed` (connected after the notebook's own handler, which creates the
 *   widgets): cells added, pasted, moved (JupyterLab moves a cell by inserting a copy),
 *   replaced with another id (cut and paste, merge: see `moves.ts`), or reloaded from
 *   disk after ids were written (`ensure-id`);
 * - each cell's shared model, for edits of the first line (the label);
 * - `modelChanged`, for a notebook given a new model;
 * - `cellInViewportChanged`, as a last check when a windowed notebook attaches a cell.
 */
export class CellNodes {
  constructor(tracker: INotebookTracker) {
    tracker.widgetAdded.connect((_, panel) => this._follow(panel));
    tracker.forEach(panel => this._follow(panel));
  }

  private _follow(panel: NotebookPanel): void {
    const notebook = panel.content;
    notebook.modelChanged.connect(() => this._followModel(notebook));
    notebook.cellInViewportChanged.connect((_, cell) => this._mark(cell));
    this._followModel(notebook);
  }

  private _followModel(notebook: Notebook): void {
    const model = notebook.model;
    if (!model) {
      return;
    }
    model.cells.changed.connect(() => this._markAll(notebook));
    this._markAll(notebook);
  }

  /**
   * Mark every cell: changes to the list are rare next to edits of one cell, and
   * reading a thousand first lines is little next to what the notebook does for them.
   */
  private _markAll(notebook: Notebook): void {
    if (notebook.isDisposed) {
      return;
    }
    for (const cell of notebook.widgets) {
      this._mark(cell);
    }
  }

  private _mark(cell: Cell): void {
    if (cell.isDisposed) {
      return;
    }
    markCell(cell);
    if (!this._followed.has(cell)) {
      this._followed.add(cell);
      cell.model.sharedModel.changed.connect((_, change) => {
        if (change.sourceChange && !cell.isDisposed) {
          markCell(cell);
        }
      });
    }
  }

  private _followed = new WeakSet<Cell>();
}
