import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  ICommandPalette,
  InputDialog,
  Notification
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import { persistedCellId } from './commands';
import { IBlocksModel, ILabelRename } from './tokens';

/**
 * The label command ids (a contract, as the copy commands').
 */
export namespace LabelCommandIDs {
  export const setLabel = 'jupyter-blocks:set-label';
  export const renameLabel = 'jupyter-blocks:rename-label';
}

/**
 * Set Block Label and Rename Block Label, in the palette and the cell context menu.
 * Labels are written in the form Quarto and MyST read (the server decides the form and
 * whether a label is free: one rule, in `jupyter_blocks/labels.py`); the edit goes
 * into the open notebook model, as the user's own (undoable, saved with their work).
 */
export function addLabelCommands(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  model: IBlocksModel,
  palette: ICommandPalette | null
): void {
  const activeCell = () => {
    const panel = tracker.currentWidget;
    const cell = panel?.content.activeCell;
    return panel && cell ? { panel, cell } : null;
  };
  const currentLabel = async (panel: NotebookPanel, index: number) => {
    const id = await persistedCellId(
      model,
      panel,
      index,
      app.serviceManager.contents
    );
    const block = (await model.resolve([id])).get(id);
    return { id, label: block?.label ?? null };
  };

  app.commands.addCommand(LabelCommandIDs.setLabel, {
    label: 'Set Block Label…',
    caption:
      'Name the active cell (#| label: for code, (label)= for markdown), so that ((label)) references it',
    isEnabled: () => {
      const type = activeCell()?.cell.model.type;
      return type === 'code' || type === 'markdown';
    },
    execute: async () => {
      const active = activeCell();
      if (!active) {
        return;
      }
      const { panel, cell } = active;
      const index = panel.content.activeCellIndex;
      try {
        const { id, label } = await currentLabel(panel, index);
        const answer = await InputDialog.getText({
          title: 'Set Block Label',
          label: 'Letters, digits and - _ . : (for example fig-sales)',
          text: label ?? ''
        });
        const wanted = answer.value?.trim();
        if (!answer.button.accept || !wanted || wanted === label) {
          return;
        }
        const source = cell.model.sharedModel.getSource();
        const labelled = await model.labelSource(
          cell.model.type,
          source,
          wanted,
          id
        );
        if (cell.model.sharedModel.getSource() !== source) {
          throw new Error('the cell changed meanwhile: try again');
        }
        cell.model.sharedModel.setSource(labelled);
        Notification.success(
          `Labelled ${wanted}: reference it as ((${wanted})). Save to make it known.`,
          { autoClose: 4000 }
        );
      } catch (error) {
        Notification.error(
          `Could not set the label: ${(error as Error).message}`,
          { autoClose: false }
        );
      }
    }
  });

  app.commands.addCommand(LabelCommandIDs.renameLabel, {
    label: 'Rename Block Label…',
    caption:
      'Rename the active cell’s label, and every reference to it under the root',
    isEnabled: () => Boolean(activeCell()),
    execute: async () => {
      const active = activeCell();
      if (!active) {
        return;
      }
      const { panel } = active;
      const index = panel.content.activeCellIndex;
      try {
        if (panel.context.model.dirty) {
          await panel.context.save(); // the server renames what is saved
        }
        const { label } = await currentLabel(panel, index);
        if (!label) {
          Notification.warning(
            'This cell has no label yet: use Set Block Label.',
            { autoClose: 5000 }
          );
          return;
        }
        const answer = await InputDialog.getText({
          title: `Rename Block Label ${label}`,
          label: 'New label (every ((reference)) to it is rewritten)',
          text: label
        });
        const wanted = answer.value?.trim();
        if (!answer.button.accept || !wanted || wanted === label) {
          return;
        }
        const open = openNotebooks(tracker);
        const result = await model.renameLabel(label, wanted, [...open.keys()]);
        const missed = applyEdits(result, open);
        report(label, wanted, result, missed);
      } catch (error) {
        Notification.error(
          `Could not rename the label: ${(error as Error).message}`,
          { autoClose: false }
        );
      }
    }
  });

  [LabelCommandIDs.setLabel, LabelCommandIDs.renameLabel].forEach(
    (command, rank) => {
      app.contextMenu.addItem({
        command,
        selector: '.jp-Notebook .jp-Cell',
        rank: 23 + rank
      });
      palette?.addItem({ command, category: 'Blocks' });
    }
  );
}

/**
 * The notebooks open in this browser, by path.
 */
export function openNotebooks(
  tracker: INotebookTracker
): Map<string, NotebookPanel> {
  const open = new Map<string, NotebookPanel>();
  tracker.forEach(panel => open.set(panel.context.path, panel));
  return open;
}

/**
 * Apply the server's edits to open models, each only where the cell still holds the
 * source the server read; returns the edits that could not apply.
 */
export function applyEdits(
  result: ILabelRename,
  open: Map<string, NotebookPanel>
): ILabelRename['edits'] {
  const missed: ILabelRename['edits'] = [];
  for (const edit of result.edits) {
    const cells = open.get(edit.path)?.context.model.cells;
    const cell =
      cells && edit.index < cells.length ? cells.get(edit.index) : null;
    if (cell && cell.sharedModel.getSource() === edit.source) {
      cell.sharedModel.setSource(edit.new_source);
    } else {
      missed.push(edit);
    }
  }
  return missed;
}

function report(
  label: string,
  wanted: string,
  result: ILabelRename,
  missed: ILabelRename['edits']
): void {
  const written = result.written.reduce((n, w) => n + w.cells.length, 0);
  const edited = result.edits.length - missed.length;
  const parts = [
    `${written} cell(s) in ${result.written.length} closed notebook(s) written`,
    `${edited} cell(s) edited in open notebooks (save them)`
  ];
  const left = [
    ...result.refused.map(r => `${r.path}: ${r.reason}`),
    ...missed.map(m => `${m.path} cell ${m.index + 1}: changed since saved`)
  ];
  const text = `Renamed ${label} to ${wanted}: ${parts.join('; ')}.`;
  if (left.length) {
    Notification.warning(`${text} Left as they were: ${left.join('; ')}`, {
      autoClose: false
    });
  } else {
    Notification.success(text, { autoClose: 6000 });
  }
}

/**
 * Links follow renames. A rename made in this browser (file browser, Rename Notebook)
 * asks the server for the `[[links]]` to follow: open notebooks are edited in their
 * models (the user's own edit, saved with theirs), closed ones are written by the
 * server. A rename made elsewhere (the REST API, another browser) is followed by the
 * server on disk: open notebooks without unsaved work are then reloaded.
 */
export function followLinkMoves(
  app: JupyterFrontEnd,
  model: IBlocksModel,
  tracker: INotebookTracker
): void {
  app.serviceManager.contents.fileChanged.connect(async (_, change) => {
    const from = change.oldValue?.path;
    const to = change.newValue?.path;
    const type = change.newValue?.type;
    if (change.type !== 'rename' || !from || !to) {
      return;
    }
    if (type !== 'directory' && !to.endsWith('.ipynb')) {
      return;
    }
    try {
      const open = openNotebooks(tracker);
      const result = await model.followMove(from, to, [...open.keys()]);
      const missed = applyEdits(result, open);
      const cells =
        result.written.reduce((n, w) => n + w.cells.length, 0) +
        result.edits.length -
        missed.length;
      const notebooks = new Set([
        ...result.written.map(w => w.path),
        ...result.edits.map(e => e.path)
      ]).size;
      if (!cells && !result.refused.length && !missed.length) {
        return;
      }
      const left = [
        ...result.refused.map(r => `${r.path}: ${r.reason}`),
        ...missed.map(m => `${m.path} cell ${m.index + 1}: changed, left`)
      ];
      const text =
        `Links now name ${baseName(to)} (was ${baseName(from)}): ` +
        `${cells} cell(s) in ${notebooks} notebook(s) updated.`;
      if (left.length) {
        Notification.warning(`${text} ${left.join('; ')}`, {
          autoClose: false
        });
      } else {
        Notification.info(text, { autoClose: 6000 });
      }
    } catch (error) {
      Notification.error(
        `Links to ${from} were not updated: ${(error as Error).message}`,
        { autoClose: false }
      );
    }
  });
  model.linksMoved.connect(async (_, moved) => {
    const open = openNotebooks(tracker);
    const unsaved: string[] = [];
    for (const path of moved.paths) {
      const panel = open.get(path);
      if (panel && panel.context.model.dirty) {
        unsaved.push(path);
      } else if (panel) {
        await panel.context.revert();
      }
    }
    const text =
      `Links now name ${baseName(moved.to)} (was ${baseName(moved.from)}): ` +
      `${moved.count} cell(s) in ${moved.paths.length} notebook(s) updated on disk.`;
    const left = [
      ...moved.refused.map(p => `${p}: changed since indexed, left as it was`),
      ...unsaved.map(
        p => `${p}: open with unsaved work, its file has the new links`
      )
    ];
    if (left.length) {
      Notification.warning(`${text} ${left.join('; ')}`, { autoClose: false });
    } else if (moved.count) {
      Notification.info(text, { autoClose: 6000 });
    }
  });
}

function baseName(path: string): string {
  return path.split('/').pop() ?? path;
}
