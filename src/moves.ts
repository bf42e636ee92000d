import { Clipboard } from '@jupyterlab/apputils';
import type * as nbformat from '@jupyterlab/nbformat';
import { ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IObservableList } from '@jupyterlab/observables';
import { CommandRegistry } from '@lumino/commands';

/**
 * The clipboard format of notebook cells in JupyterLab.
 */
const CELLS_MIME = 'application/vnd.jupyter.cells';

/**
 * Commands that merge cells into one.
 */
const MERGES = new Set([
  'notebook:merge-cells',
  'notebook:merge-cell-above',
  'notebook:merge-cell-below'
]);

/**
 * What moving a block does to its id, in JupyterLab: moving keeps it, copying makes a
 * new block (the rule in docs/design.md, "Move or copy").
 *
 * - Cut then paste (in the same notebook or another) is a move: the pasted cells get
 *   back the ids they had when cut, whatever their type (JupyterLab keeps the ids of
 *   code cells only, and only within one notebook), so every reference follows them.
 *   Only the first paste after a cut is a move, and only for ids no open notebook holds
 *   then: pasting twice, or after a copy, makes new blocks with new ids, so two cells
 *   never share an id by our doing.
 * - Move up or down and drag and drop inside a notebook keep ids (JupyterLab moves the
 *   cells themselves).
 * - Merge keeps the id of the first merged cell (JupyterLab gives the merged cell a new
 *   one): references to it keep resolving, to the merged text; references to the other
 *   merged cells show them as deleted blocks, with their last content.
 * - Split is left as JupyterLab does it: the original cell (its id, its outputs) keeps
 *   the last part, and the parts before it are new blocks.
 */
export class BlockMoves {
  constructor(
    private readonly _tracker: INotebookTracker,
    commands: CommandRegistry
  ) {
    _tracker.widgetAdded.connect((_, panel) => this._follow(panel));
    _tracker.forEach(panel => this._follow(panel));
    commands.commandExecuted.connect((_, args) => this._onCommand(args.id));
  }

  private _follow(panel: NotebookPanel): void {
    const state: INotebookState = { ids: [], removed: [], added: [] };
    this._states.set(panel, state);
    const attach = () => {
      const cells = panel.content.model?.cells;
      if (!cells) {
        return;
      }
      state.ids = Array.from(cells, cell => cell.id);
      cells.changed.connect((_, change) => this._onCells(state, change));
    };
    if (panel.content.model) {
      attach();
    } else {
      panel.content.modelChanged.connect(attach);
    }
    panel.content.cellsPasted.connect(() => this._onPasted(panel));
    panel.disposed.connect(() => this._states.delete(panel));
  }

  /**
   * Keep a copy of the notebook's cell ids, so that what a change removed is known
   * (JupyterLab's change events do not say).
   */
  private _onCells(
    state: INotebookState,
    change: IObservableList.IChangedArgs<ICellModel>
  ): void {
    if (change.type === 'add') {
      state.ids.splice(change.newIndex, 0, ...change.newValues.map(c => c.id));
      state.added.push(...change.newValues);
    } else if (change.type === 'remove') {
      const count = change.oldValues.length;
      state.removed.push(
        ...state.ids
          .splice(change.oldIndex, count)
          .map((id, i) => ({ id, index: change.oldIndex + i }))
      );
    } else if (change.type === 'move') {
      const [id] = state.ids.splice(change.oldIndex, 1);
      state.ids.splice(change.newIndex, 0, id);
    }
  }

  private _onCommand(id: string): void {
    const panel = this._tracker.currentWidget;
    const state = panel ? this._states.get(panel) : undefined;
    if (id === 'notebook:cut-cell') {
      // Copied now: a paste rewrites the clipboard's cells in place.
      const cells = Clipboard.getInstance().getData(CELLS_MIME) as
        nbformat.ICell[] | undefined;
      this._cut = cells ? JSON.parse(JSON.stringify(cells)) : null;
    } else if (id === 'notebook:copy-cell') {
      this._cut = null;
    } else if (MERGES.has(id) && panel && state) {
      const first = [...state.removed].sort((a, b) => a.index - b.index)[0];
      const merged = state.added[state.added.length - 1];
      if (first && merged && state.added.length === 1) {
        this._giveId(panel, merged, first.id);
      }
    }
    if (state) {
      state.added = [];
      state.removed = [];
    }
  }

  private _onPasted(panel: NotebookPanel): void {
    const state = this._states.get(panel);
    const cut = this._cut;
    this._cut = null; // only the first paste after a cut is a move
    if (!state) {
      return;
    }
    const pasted = state.added;
    state.added = [];
    state.removed = [];
    if (!cut || cut.length !== pasted.length) {
      return;
    }
    pasted.forEach((cell, i) => {
      const original = cut[i];
      if (
        typeof original.id === 'string' &&
        original.cell_type === cell.type &&
        cell.id !== original.id
      ) {
        this._giveId(panel, cell, original.id);
      }
    });
    state.added = [];
    state.removed = [];
  }

  /**
   * Give a cell an id back, unless an open notebook already holds that id: the cell
   * is replaced by the same content with that id (a cell's id cannot change in
   * place), as one undoable step.
   */
  private _giveId(panel: NotebookPanel, cell: ICellModel, id: string): void {
    let taken = false;
    this._tracker.forEach(other => {
      const cells = other.content.model?.cells;
      for (let i = 0; !taken && cells && i < cells.length; i++) {
        taken = cells.get(i).id === id;
      }
    });
    const model = panel.content.model;
    if (taken || !model) {
      return;
    }
    const index = Array.from(model.cells).indexOf(cell);
    if (index < 0) {
      return;
    }
    const json = cell.toJSON() as nbformat.ICell;
    const active = panel.content.activeCellIndex;
    model.sharedModel.transact(() => {
      model.sharedModel.deleteCell(index);
      model.sharedModel.insertCell(index, { ...json, id } as any);
    });
    panel.content.activeCellIndex = active;
  }

  private _cut: nbformat.ICell[] | null = null;
  private _states = new Map<NotebookPanel, INotebookState>();
}

interface INotebookState {
  ids: string[];
  removed: { id: string; index: number }[];
  added: ICellModel[];
}
