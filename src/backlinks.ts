import { INotebookTracker } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IBlockTarget } from './navigation';
import { IBacklink, IBlocksChange, IBlocksModel } from './tokens';

/**
 * What the backlinks panel shows: the references to the active cell and to the
 * active notebook, kept current as the user moves and as the index changes.
 */
export class BacklinksModel {
  constructor(
    private readonly _blocks: IBlocksModel,
    private readonly _tracker: INotebookTracker
  ) {
    _tracker.currentChanged.connect(() => this.refresh(), this);
    _tracker.activeCellChanged.connect(() => this.refresh(), this);
    _blocks.changed.connect(this._onChanged, this);
  }

  /**
   * The notebook the panel follows (null when no notebook is active).
   */
  get path(): string | null {
    return this._path;
  }

  /**
   * The id of the active cell.
   */
  get cellId(): string | null {
    return this._cellId;
  }

  /**
   * The index of the active cell.
   */
  get cellIndex(): number {
    return this._cellIndex;
  }

  get cellBacklinks(): IBacklink[] {
    return this._cellLinks;
  }

  get notebookBacklinks(): IBacklink[] {
    return this._notebookLinks;
  }

  /**
   * Why the lists are empty when they cannot be fetched, or ''.
   */
  get error(): string {
    return this._error;
  }

  /**
   * Emitted whenever what the panel shows changed.
   */
  get stateChanged(): ISignal<BacklinksModel, void> {
    return this._stateChanged;
  }

  /**
   * Whether a view shows this model: a hidden panel fetches nothing.
   */
  set visible(value: boolean) {
    this._visible = value;
    if (value) {
      void this.refresh();
    }
  }

  async refresh(): Promise<void> {
    const panel = this._tracker.currentWidget;
    const path = panel?.context.path ?? null;
    const cell = panel?.content.activeCell ?? null;
    this._path = path;
    this._cellId = cell?.model.id ?? null;
    this._cellIndex = panel?.content.activeCellIndex ?? -1;
    if (!this._visible || path === null) {
      this._cellLinks = [];
      this._notebookLinks = [];
      this._stateChanged.emit();
      return;
    }
    const ticket = ++this._ticket;
    try {
      const [cellLinks, notebookLinks] = await Promise.all([
        this._cellId
          ? this._blocks.backlinks(this._cellId)
          : Promise.resolve([]),
        this._blocks.notebookBacklinks(path).catch(() => [])
      ]);
      if (ticket !== this._ticket) {
        return; // the user moved on meanwhile
      }
      this._cellLinks = cellLinks;
      this._notebookLinks = notebookLinks;
      this._error = '';
    } catch (error) {
      if (ticket !== this._ticket) {
        return;
      }
      this._cellLinks = [];
      this._notebookLinks = [];
      this._error = (error as Error).message;
    }
    this._stateChanged.emit();
  }

  dispose(): void {
    Signal.clearData(this);
  }

  private _onChanged(_: IBlocksModel, change: IBlocksChange): void {
    void change;
    // Any change anywhere may add or remove a reference to what we show.
    void this.refresh();
  }

  private _path: string | null = null;
  private _cellId: string | null = null;
  private _cellIndex = -1;
  private _cellLinks: IBacklink[] = [];
  private _notebookLinks: IBacklink[] = [];
  private _error = '';
  private _visible = false;
  private _ticket = 0;
  private _stateChanged = new Signal<BacklinksModel, void>(this);
}

/**
 * The backlinks panel: references to the active cell, then to the active notebook,
 * grouped by the notebook they are written in.
 */
export class BacklinksView extends Widget {
  constructor(
    private readonly _model: BacklinksModel,
    private readonly _open: (target: IBlockTarget) => void
  ) {
    super();
    this.addClass('jp-Blocks-backlinks');
    _model.stateChanged.connect(() => this.update(), this);
  }

  protected onAfterShow(): void {
    this._model.visible = true;
  }

  protected onAfterHide(): void {
    this._model.visible = false;
  }

  protected onUpdateRequest(): void {
    const node = this.node;
    node.textContent = '';
    const path = this._model.path;
    if (path === null) {
      node.append(note('Open a notebook: its backlinks show here.'));
      return;
    }
    if (this._model.error) {
      node.append(note(`Backlinks are unavailable: ${this._model.error}`));
      return;
    }
    node.append(
      this._section(
        `This cell (${this._model.cellIndex + 1})`,
        this._model.cellBacklinks,
        'No block references this cell yet: use Copy Block Reference (right-click the cell) and paste it in another notebook.',
        'jp-Blocks-cellBacklinks'
      ),
      this._section(
        `This notebook (${path.split('/').pop()})`,
        this._model.notebookBacklinks,
        'No block references this notebook yet: link it with [[path]] or reference one of its cells.',
        'jp-Blocks-notebookBacklinks'
      )
    );
  }

  private _section(
    title: string,
    links: IBacklink[],
    empty: string,
    className: string
  ): HTMLElement {
    const section = document.createElement('section');
    section.className = `jp-Blocks-backlinksSection ${className}`;
    const heading = document.createElement('h3');
    heading.textContent = `${title}: ${links.length}`;
    section.append(heading);
    if (links.length === 0) {
      section.append(note(empty));
      return section;
    }
    const groups = new Map<string, IBacklink[]>();
    for (const link of links) {
      groups.set(link.path, [...(groups.get(link.path) ?? []), link]);
    }
    for (const [notebook, entries] of groups) {
      const group = document.createElement('div');
      group.className = 'jp-Blocks-backlinksGroup';
      group.dataset.path = notebook;
      const name = document.createElement('div');
      name.className = 'jp-Blocks-backlinksNotebook';
      name.textContent = notebook;
      group.append(name);
      for (const link of entries) {
        group.append(this._entry(link));
      }
      section.append(group);
    }
    return section;
  }

  private _entry(link: IBacklink): HTMLElement {
    const entry = document.createElement('button');
    entry.className = 'jp-Blocks-backlink';
    entry.type = 'button';
    entry.dataset.blockId = link.id ?? '';
    const where = `${link.path.split('/').pop()} · cell ${link.index + 1}`;
    entry.title = `Open ${link.path} at cell ${link.index + 1}`;
    const head = document.createElement('span');
    head.className = 'jp-Blocks-backlinkHead';
    for (const kind of link.kinds ?? [link.kind]) {
      const badge = document.createElement('span');
      badge.className = `jp-Blocks-kind jp-mod-${kind}`;
      badge.textContent = kind === 'ref' ? 'reference' : kind;
      head.append(badge);
    }
    const place = document.createElement('span');
    place.className = 'jp-Blocks-backlinkPlace';
    place.textContent = where;
    head.append(place);
    entry.append(head, excerpt(link));
    entry.addEventListener('click', () =>
      this._open({ path: link.path, id: link.id, index: link.index })
    );
    return entry;
  }
}

/**
 * The words of a referencing block around its first reference to the target, as a
 * person reads them, the reference itself highlighted.
 */
export function excerpt(link: IBacklink, width = 160): HTMLElement {
  const node = document.createElement('span');
  node.className = 'jp-Blocks-snippet';
  const text = link.text ?? link.snippet;
  const marks = link.text !== undefined ? (link.marks ?? []) : [];
  const at = marks.length > 0 ? marks[0][0] : 0;
  const start = Math.max(0, Math.min(at - width / 3, text.length - width));
  const end = Math.min(
    text.length,
    Math.max(start + width, (marks[0]?.[1] ?? 0) + 20)
  );
  let cursor = Math.floor(start);
  if (cursor > 0) {
    node.append('…');
  }
  for (const [from, to] of marks) {
    if (to <= cursor || from >= end) {
      continue;
    }
    node.append(text.slice(cursor, Math.max(cursor, from)));
    const mark = document.createElement('mark');
    mark.className = 'jp-Blocks-mark';
    mark.textContent = text.slice(Math.max(cursor, from), to);
    node.append(mark);
    cursor = to;
  }
  node.append(text.slice(cursor, end));
  if (end < text.length) {
    node.append('…');
  }
  return node;
}

function note(text: string): HTMLElement {
  const node = document.createElement('p');
  node.className = 'jp-Blocks-note';
  node.textContent = text;
  return node;
}
