import { Dialog, showDialog } from '@jupyterlab/apputils';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IBlocksModel, IStatus } from './tokens';

/**
 * How often the status is asked for while the index is busy.
 */
const POLL_MS = 1000;

/**
 * The least time progress stays up once shown: a flash could not be read.
 */
const MIN_VISIBLE_MS = 1000;

/**
 * How often the status is asked for while the index is unavailable.
 */
const UNAVAILABLE_POLL_MS = 5000;

/**
 * The status bar item: indexing progress while the server indexes (then nothing), a
 * warning while the index is unavailable (its reason on hover and click), and a warning
 * that opens the list of skipped notebooks and duplicate ids, if any.
 */
export class IndexStatusItem extends Widget {
  constructor(private readonly _model: IBlocksModel) {
    super();
    this.addClass('jp-Blocks-status');
    this.node.addEventListener('click', () => void this._showProblems());
    _model.progress.connect((_, progress) => this._onProgress(progress), this);
    _model.changed.connect(() => this._poll(), this);
    this._poll();
  }

  /**
   * Whether the item has something to say (the status bar hides it otherwise).
   */
  get active(): boolean {
    return (
      this._busy() ||
      this._busySince !== null ||
      this._problems() > 0 ||
      this._unavailable()
    );
  }

  get activeChanged(): ISignal<IndexStatusItem, void> {
    return this._activeChanged;
  }

  dispose(): void {
    for (const timer of [this._timer, this._hold]) {
      if (timer !== null) {
        clearTimeout(timer);
      }
    }
    super.dispose();
  }

  /**
   * Show at once what a progress event says (indexing may be over before a poll would
   * see it), then poll for the rest.
   */
  private _onProgress(progress: {
    done: number;
    total: number;
    ready: boolean;
  }): void {
    const status = this._status;
    // Many notebooks changed at once (the first scan's own progress comes from polls).
    if (
      status?.state === 'ready' &&
      !progress.ready &&
      progress.done < progress.total
    ) {
      this._status = { ...status, pending: progress.total - progress.done };
      this._render();
    }
    this._poll();
  }

  private _poll(): void {
    if (this._timer !== null || this.isDisposed) {
      return;
    }
    this._timer = setTimeout(
      async () => {
        this._timer = null;
        try {
          this._status = await this._model.status();
        } catch {
          return; // no server: the core plugin already says so
        }
        this._render();
        if (this._busy() || this._unavailable()) {
          this._poll();
        }
      },
      this._status === null
        ? 0
        : this._unavailable()
          ? UNAVAILABLE_POLL_MS
          : POLL_MS / 4
    );
  }

  private _busy(): boolean {
    const status = this._status;
    return (
      status !== null &&
      status.state !== 'unavailable' &&
      (status.state !== 'ready' || status.pending > 0)
    );
  }

  private _unavailable(): boolean {
    return this._status?.state === 'unavailable';
  }

  private _problems(): number {
    const status = this._status;
    return status ? status.skipped_total + status.duplicates.length : 0;
  }

  private _render(): void {
    if (this.isDisposed) {
      return;
    }
    const status = this._status!;
    const busy = this._busy();
    if (!busy && this._busySince !== null) {
      const left = this._busySince + MIN_VISIBLE_MS - Date.now();
      if (left > 0) {
        this._hold ??= setTimeout(() => {
          this._hold = null;
          this._render();
        }, left);
        return;
      }
    }
    this._busySince = busy ? (this._busySince ?? Date.now()) : null;
    const wasActive = this._wasActive;
    this.node.textContent = '';
    if (this._unavailable()) {
      const warning = document.createElement('span');
      warning.className = 'jp-Blocks-unavailable';
      warning.textContent = 'Blocks: index unavailable';
      this.node.append(warning);
    } else if (busy) {
      const progress = document.createElement('span');
      progress.className = 'jp-Blocks-progress';
      progress.textContent =
        status.state === 'ready'
          ? `Blocks: indexing ${status.pending} changed notebook${status.pending === 1 ? '' : 's'}`
          : `Blocks: indexing ${status.progress.done}/${status.progress.total} notebooks`;
      this.node.append(progress);
    } else if (this._problems() > 0) {
      const warning = document.createElement('span');
      warning.className = 'jp-Blocks-problems';
      warning.textContent = `Blocks: ${this._problems()} problem${this._problems() === 1 ? '' : 's'}`;
      warning.title =
        'Notebooks that could not be indexed, or copies with duplicate ids: click for details';
      this.node.append(warning);
    }
    this.node.title = status.reason
      ? `jupyter-blocks: ${status.reason}`
      : `jupyter-blocks: ${status.notebooks} notebooks, ${status.blocks} blocks, ${status.references} references`;
    this._wasActive = this.active;
    if (wasActive !== this._wasActive) {
      this._activeChanged.emit();
    }
  }

  private async _showProblems(): Promise<void> {
    const status = this._status;
    if (!status || (this._problems() === 0 && !status.reason)) {
      return;
    }
    const body = document.createElement('div');
    body.className = 'jp-Blocks-problemList';
    if (status.reason) {
      const reason = document.createElement('p');
      reason.className = 'jp-Blocks-reason';
      reason.textContent = status.reason;
      body.append(reason);
    }
    if (status.skipped.length) {
      const title = document.createElement('h3');
      title.textContent = `Skipped notebooks (${status.skipped_total})`;
      const list = document.createElement('ul');
      for (const { path, reason } of status.skipped) {
        const item = document.createElement('li');
        item.textContent = `${path}: ${reason}`;
        list.append(item);
      }
      body.append(title, list);
    }
    if (status.duplicates.length) {
      const title = document.createElement('h3');
      title.textContent =
        'Copies with duplicate ids (references resolve to the original)';
      const list = document.createElement('ul');
      for (const { path, original, count } of status.duplicates) {
        const item = document.createElement('li');
        item.textContent = `${path} repeats ${count} ids of ${original}: give it new ids with POST /api/blocks/reassign-ids or "jupyter blocks check"`;
        list.append(item);
      }
      body.append(title, list);
    }
    await showDialog({
      title: 'jupyter-blocks index',
      body: new Widget({ node: body }),
      buttons: [Dialog.okButton()]
    });
  }

  private _status: IStatus | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _hold: ReturnType<typeof setTimeout> | null = null;
  private _busySince: number | null = null;
  private _wasActive = false;
  private _activeChanged = new Signal<IndexStatusItem, void>(this);
}
