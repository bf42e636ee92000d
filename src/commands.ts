import { JupyterFrontEnd } from '@jupyterlab/application';
import { Clipboard, ICommandPalette, Notification } from '@jupyterlab/apputils';
import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import type * as nbformat from '@jupyterlab/nbformat';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Contents } from '@jupyterlab/services';

import { embedText, referenceText } from './syntax';
import { IBlocksModel } from './tokens';

/**
 * The command ids (a contract: keyboard shortcuts and other extensions use them).
 */
export namespace CommandIDs {
  export const copyReference = 'jupyter-blocks:copy-reference';
  export const copyEmbed = 'jupyter-blocks:copy-embed';
  export const copyLink = 'jupyter-blocks:copy-link';
  export const showBacklinks = 'jupyter-blocks:show-backlinks';
  export const showGraph = 'jupyter-blocks:show-graph';
}

/**
 * The URL that opens a notebook at a cell, in the application it was copied from:
 * JupyterLab's `<appUrl>/tree/<path>`, or Jupyter Notebook 7's notebook page
 * `/notebooks/<path>` (Notebook 7 names its page in the page config, `notebookPage`).
 */
export function cellUrl(path: string, id: string): string {
  const parts = PageConfig.getOption('notebookPage')
    ? ['notebooks']
    : [PageConfig.getOption('appUrl') || '/lab', 'tree'];
  return (
    URLExt.join(PageConfig.getBaseUrl(), ...parts, URLExt.encodeParts(path)) +
    `#cell-id=${id}`
  );
}

/**
 * The id of a cell of an open notebook, persisted in the file first, so that what is
 * copied never dangles. A notebook with unsaved edits is not written: the id of its
 * open model is used, and its next save persists it.
 */
export async function persistedCellId(
  model: IBlocksModel,
  panel: NotebookPanel,
  index: number,
  contents: Contents.IManager
): Promise<string> {
  const context = panel.context;
  await context.ready;
  const cells = context.model.cells;
  const cellIds = Array.from(
    { length: cells.length },
    (_, i) => cells.get(i).id
  );
  const own = cellIds[index];
  // JupyterLab marks a notebook without ids dirty as it opens it (it gives its cells
  // ids): only a difference in content means the user has unsaved work.
  const disk = await contents.get(context.path, {
    content: true,
    type: 'notebook'
  });
  if (
    context.model.dirty &&
    hasUnsavedWork(
      context.model.toJSON() as unknown as nbformat.INotebookContent,
      disk.content as nbformat.INotebookContent
    )
  ) {
    const known = (await model.resolve([own])).get(own);
    if (!known || known.deleted || known.path !== context.path) {
      Notification.warning(
        `Save ${context.path} to make this reference permanent: the cell is not saved yet.`,
        { autoClose: 8000 }
      );
    }
    return own;
  }
  const { id, written } = await model.ensureId(context.path, index, {
    cellIds,
    lastModified: disk.last_modified
  });
  if (written) {
    // The file now holds the ids of the open notebook: reload it, so that the next
    // save does not find the file changed on disk.
    const notebook = panel.content;
    const active = notebook.activeCellIndex;
    await context.revert();
    notebook.activeCellIndex = active;
  }
  return id;
}

/**
 * Whether an open notebook differs from its file in anything but cell ids and the
 * format version: sources, outputs, metadata, cells added or removed.
 */
export function hasUnsavedWork(
  open: nbformat.INotebookContent,
  disk: nbformat.INotebookContent
): boolean {
  if (open.cells.length !== disk.cells.length) {
    return true;
  }
  return open.cells.some(
    (cell, i) => canonical(cell) !== canonical(disk.cells[i])
  );
}

function canonical(cell: nbformat.ICell): string {
  const { metadata, ...rest } = cell as nbformat.ICell & { id?: string };
  const kept = { ...((metadata ?? {}) as Record<string, unknown>) };
  delete kept.trusted;
  delete (rest as { id?: string }).id;
  return JSON.stringify(joinLines({ ...rest, metadata: kept }));
}

function joinLines(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.every(v => typeof v === 'string')
      ? value.join('')
      : value.map(joinLines);
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map(k => [k, joinLines((value as Record<string, unknown>)[k])])
    );
  }
  return value;
}

/**
 * Register the copy commands, in the palette and the cell context menu.
 */
export function addCommands(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  model: IBlocksModel,
  palette: ICommandPalette | null
): void {
  const copy = async (
    make: (id: string, path: string) => string,
    what: string
  ) => {
    const panel = tracker.currentWidget;
    if (!panel) {
      return;
    }
    const index = panel.content.activeCellIndex;
    try {
      const id = await persistedCellId(
        model,
        panel,
        index,
        app.serviceManager.contents
      );
      Clipboard.copyToSystem(make(id, panel.context.path));
      Notification.success(`${what} copied: ${make(id, panel.context.path)}`, {
        autoClose: 3000
      });
    } catch (error) {
      Notification.error(
        `Could not copy the ${what.toLowerCase()}: ${(error as Error).message}`,
        {
          autoClose: false
        }
      );
    }
  };
  const enabled = () => Boolean(tracker.currentWidget?.content.activeCell);

  app.commands.addCommand(CommandIDs.copyReference, {
    label: 'Copy Block Reference',
    caption:
      'Copy ((id)) of the active cell, to reference it from any notebook',
    isEnabled: enabled,
    execute: () => copy(id => referenceText(id), 'Block reference')
  });
  app.commands.addCommand(CommandIDs.copyEmbed, {
    label: 'Copy Block Embed',
    caption:
      'Copy {{embed ((id))}} of the active cell, to show it in another notebook',
    isEnabled: enabled,
    execute: () => copy(id => embedText(id), 'Block embed')
  });
  app.commands.addCommand(CommandIDs.copyLink, {
    label: 'Copy Link to Cell',
    caption: 'Copy a URL that opens this notebook at the active cell',
    isEnabled: enabled,
    execute: () => copy((id, path) => cellUrl(path, id), 'Link to cell')
  });

  const commands = [
    CommandIDs.copyReference,
    CommandIDs.copyEmbed,
    CommandIDs.copyLink
  ];
  commands.forEach((command, rank) => {
    app.contextMenu.addItem({
      command,
      selector: '.jp-Notebook .jp-Cell',
      rank: 20 + rank
    });
    palette?.addItem({ command, category: 'Blocks' });
  });
}
