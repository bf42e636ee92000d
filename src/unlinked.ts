import { IDocumentManager } from '@jupyterlab/docmanager';
import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { BacklinksModel } from './backlinks';
import { IBlockTarget } from './navigation';
import { IBlocksModel, IUnlinked } from './tokens';

/**
 * The Link action: turn an unlinked mention into its link (`[[path]]` or
 * `((label))`). In a notebook open in JupyterLab, through its document model (saved
 * at once when it had no unsaved changes, so the index sees the link); in a closed
 * one, through the server. Rejects, changing nothing, when the cell no longer reads
 * the mention where it was found.
 */
export async function linkMention(
  blocks: IBlocksModel,
  docManager: IDocumentManager,
  mention: IUnlinked
): Promise<void> {
  const link = mention.link;
  if (link === null) {
    throw new Error(`${mention.match} cannot be linked from here.`);
  }
  const widget = docManager.findWidget(mention.path);
  if (!(widget instanceof NotebookPanel)) {
    await blocks.linkMention(mention);
    return;
  }
  const cell = widget.content.model?.cells.get(mention.index);
  const source = cell?.sharedModel.getSource() ?? '';
  const start = utf16Offset(source, mention.start);
  const end = utf16Offset(source, mention.end);
  if (
    !cell ||
    cell.type !== 'markdown' ||
    (mention.id !== null && cell.id !== mention.id) ||
    source.slice(start, end) !== mention.match
  ) {
    throw new Error(
      `Cell ${mention.index + 1} of ${mention.path} changed since it was read: nothing was linked.`
    );
  }
  const wasDirty = widget.context.model.dirty;
  cell.sharedModel.updateSource(start, end, link);
  if (!wasDirty) {
    await widget.context.save();
  } else {
    // Saving would also write the user's other unsaved changes: theirs to decide.
    Notification.info(
      `Linked in ${mention.path}, which has unsaved changes: save it to keep the link.`,
      { autoClose: 5000 }
    );
  }
}

/**
 * The "Unlinked references" part of the backlinks panel: mentions of the active cell
 * (its label) and of the active notebook (its title, its file name) in prose
 * elsewhere, each with its Link action.
 */
export class UnlinkedView extends Widget {
  constructor(
    private readonly _model: BacklinksModel,
    private readonly _open: (target: IBlockTarget) => void,
    private readonly _link: (mention: IUnlinked) => Promise<void>
  ) {
    super();
    this.addClass('jp-Blocks-backlinks');
    this.addClass('jp-Blocks-unlinkedView');
    _model.stateChanged.connect(() => this.update(), this);
  }

  protected onAfterShow(): void {
    this.update();
  }

  protected onUpdateRequest(): void {
    const node = this.node;
    node.textContent = '';
    const path = this._model.path;
    if (path === null || this._model.error) {
      return;
    }
    const link = async (mention: IUnlinked) => {
      await this._link(mention);
      await this._model.refresh();
    };
    node.append(
      unlinkedSection(
        `This cell (${this._model.cellIndex + 1})`,
        this._model.cellUnlinked,
        'jp-Blocks-cellUnlinked',
        this._open,
        link
      ),
      unlinkedSection(
        `This notebook (${path.split('/').pop()})`,
        this._model.notebookUnlinked,
        'jp-Blocks-notebookUnlinked',
        this._open,
        link
      )
    );
  }
}

/**
 * A section listing unlinked mentions, each with its Link action; a click on the
 * mention itself opens its cell.
 */
export function unlinkedSection(
  title: string,
  mentions: IUnlinked[],
  className: string,
  open: (target: IBlockTarget) => void,
  link: (mention: IUnlinked) => Promise<void>
): HTMLElement {
  const section = document.createElement('section');
  section.className = `jp-Blocks-backlinksSection jp-Blocks-unlinked ${className}`;
  const heading = document.createElement('h3');
  heading.textContent = `${title}: ${mentions.length}`;
  section.append(heading);
  if (mentions.length === 0) {
    const none = document.createElement('p');
    none.className = 'jp-Blocks-note';
    none.textContent = 'No unlinked mention elsewhere.';
    section.append(none);
  }
  for (const mention of mentions) {
    const row = document.createElement('div');
    row.className = 'jp-Blocks-unlinkedEntry';
    row.dataset.path = mention.path;
    const entry = document.createElement('button');
    entry.type = 'button';
    entry.className = 'jp-Blocks-backlink';
    entry.title = `Open ${mention.path} at cell ${mention.index + 1}`;
    const place = document.createElement('span');
    place.className = 'jp-Blocks-backlinkPlace';
    place.textContent = `${mention.path.split('/').pop()} · cell ${mention.index + 1}`;
    entry.append(place, snippet(mention));
    entry.addEventListener('click', () =>
      open({ path: mention.path, id: mention.id, index: mention.index })
    );
    row.append(entry);
    if (mention.link !== null) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'jp-Blocks-linkButton jp-mod-styled';
      button.textContent = 'Link';
      button.title = `Replace "${mention.match}" with ${mention.link}`;
      button.addEventListener('click', () => {
        button.disabled = true;
        link(mention).catch((error: Error) => {
          button.disabled = false;
          row.append(problem(error.message));
        });
      });
      row.append(button);
    }
    section.append(row);
  }
  return section;
}

/**
 * Where the `codePoints`-th code point of `text` starts, in UTF-16 units (the server
 * counts code points; an emoji is one code point and two units).
 */
export function utf16Offset(text: string, codePoints: number): number {
  let units = 0;
  let seen = 0;
  for (const char of text) {
    if (seen === codePoints) {
      break;
    }
    units += char.length;
    seen++;
  }
  return units;
}

function snippet(mention: IUnlinked): HTMLElement {
  const node = document.createElement('span');
  node.className = 'jp-Blocks-snippet';
  const text = mention.snippet;
  const at = text.toLowerCase().indexOf(mention.name.toLowerCase());
  if (at < 0) {
    node.textContent = text;
    return node;
  }
  const mark = document.createElement('mark');
  mark.className = 'jp-Blocks-mark';
  mark.textContent = text.slice(at, at + mention.name.length);
  node.append(text.slice(0, at), mark, text.slice(at + mention.name.length));
  return node;
}

function problem(text: string): HTMLElement {
  const node = document.createElement('p');
  node.className = 'jp-Blocks-note jp-mod-error';
  node.textContent = text;
  return node;
}
