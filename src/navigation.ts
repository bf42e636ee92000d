import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Token } from '@lumino/coreutils';

import { labelOf } from './labels';
import { IBlocksModel } from './tokens';
import { attachAhead, holdInView } from './windowing';

/**
 * How long a cell reached through a reference stays highlighted.
 */
const HIGHLIGHT_MS = 2500;

/**
 * Where a reference leads: a notebook, and a cell in it (by id, else by position).
 */
export interface IBlockTarget {
  path: string;
  id: string | null;
  index: number;
}

/**
 * Opens notebooks at blocks.
 */
export class Navigator {
  constructor(
    private readonly _docManager: IDocumentManager,
    private readonly _tracker: INotebookTracker,
    private readonly _model: IBlocksModel
  ) {}

  /**
   * Open (or activate) the block's notebook, scroll to the cell, make it the active
   * cell and highlight it briefly.
   */
  async open(target: IBlockTarget): Promise<void> {
    const widget = this._docManager.openOrReveal(target.path);
    if (!(widget instanceof NotebookPanel)) {
      return;
    }
    await widget.context.ready;
    await widget.revealed;
    await this.reveal(widget, target);
  }

  /**
   * Open the notebook a `[[target]]` link names, or say why it cannot.
   */
  async openNotebook(target: string): Promise<void> {
    try {
      this._docManager.openOrReveal(
        await this._model.resolveNotebookLink(target)
      );
    } catch (error) {
      Notification.warning((error as Error).message, { autoClose: 5000 });
    }
  }

  /**
   * Scroll to a cell of an open notebook, activate and highlight it.
   */
  async reveal(panel: NotebookPanel, target: IBlockTarget): Promise<boolean> {
    const notebook = panel.content;
    const cells = notebook.model?.cells;
    if (!cells) {
      return false;
    }
    let index = -1;
    if (target.id !== null) {
      for (let i = 0; i < cells.length; i++) {
        if (cells.get(i).id === target.id) {
          index = i;
          break;
        }
      }
      // A label names a cell as an id does; an id wins on a clash (docs/design.md).
      for (let i = 0; index < 0 && i < cells.length; i++) {
        const cell = cells.get(i);
        if (labelOf(cell.sharedModel.getSource(), cell.type) === target.id) {
          index = i;
        }
      }
    }
    if (index < 0 && target.index < cells.length && target.id === null) {
      index = target.index;
    }
    if (index < 0) {
      return false;
    }
    const cell = notebook.widgets[index];
    attachAhead(notebook, index);
    notebook.activeCellIndex = index;
    notebook.mode = 'command';
    await notebook.scrollToItem(index, 'center');
    holdInView(notebook, index);
    cell.addClass('jp-Blocks-highlight');
    setTimeout(() => cell.removeClass('jp-Blocks-highlight'), HIGHLIGHT_MS);
    return true;
  }

  /**
   * Follow `#cell-id=<id or label>` in the page URL (a pasted link to a cell):
   * JupyterLab opens the notebook of `/lab/tree/<path>` but not at the cell, on a first
   * load.
   */
  async followLocationHash(): Promise<void> {
    let hash = window.location.hash;
    try {
      hash = decodeURIComponent(hash);
    } catch {
      // A malformed escape: read the hash as written.
    }
    const match = /cell-id=([A-Za-z0-9_-][A-Za-z0-9_.:-]{0,63})/.exec(hash);
    if (!match) {
      return;
    }
    const id = match[1];
    const current = this._tracker.currentWidget;
    if (current) {
      await current.context.ready;
      if (
        await this.reveal(current, {
          path: current.context.path,
          id,
          index: -1
        })
      ) {
        return;
      }
    }
    const block = (await this._model.resolve([id])).get(id);
    if (block && !block.deleted) {
      await this.open(block);
    }
  }
}

/**
 * The navigator that opens notebooks at blocks, provided by `jupyter-blocks:navigation`.
 */
export const IBlocksNavigator = new Token<Navigator>(
  'jupyter-blocks:INavigator',
  'Opens a notebook at a block, and follows #cell-id= links.'
);
