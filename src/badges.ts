import { NotebookPanel } from '@jupyterlab/notebook';

import { IBlocksModel } from './tokens';

/**
 * How long the badges wait after a change before asking again (changes come in bursts).
 */
const REFRESH_DELAY_MS = 300;

/**
 * Shows, on each referenced cell of a notebook, how many blocks reference it. Counts
 * for the whole notebook come in one request, after it opens and after each change.
 */
export class BadgeController {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _model: IBlocksModel,
    private readonly _onClick: (panel: NotebookPanel, index: number) => void
  ) {
    _model.changed.connect(this._schedule, this);
    _panel.context.pathChanged.connect(this._schedule, this);
    _panel.disposed.connect(() => this.dispose());
    void _panel.context.ready.then(() => {
      _panel.content.model?.cells.changed.connect(this._apply, this);
      this._schedule();
    });
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._model.changed.disconnect(this._schedule, this);
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
  }

  private _schedule(): void {
    if (this._timer !== null || this._disposed) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this._refresh();
    }, REFRESH_DELAY_MS);
  }

  private async _refresh(): Promise<void> {
    try {
      this._counts = await this._model.backlinkCounts(this._panel.context.path);
    } catch {
      this._counts = {}; // not indexed (yet): no badge
    }
    this._apply();
  }

  private _apply(): void {
    if (this._disposed) {
      return;
    }
    this._panel.content.widgets.forEach((cell, index) => {
      const count = this._counts[cell.model.id] ?? 0;
      let badge = cell.node.querySelector<HTMLButtonElement>(
        ':scope > .jp-Blocks-badge'
      );
      if (count === 0) {
        badge?.remove();
        return;
      }
      if (!badge) {
        badge = document.createElement('button');
        badge.type = 'button';
        badge.className = 'jp-Blocks-badge';
        badge.addEventListener('click', event => {
          event.stopPropagation();
          const position = this._panel.content.widgets.indexOf(cell);
          this._onClick(this._panel, position < 0 ? index : position);
        });
        cell.node.append(badge);
      }
      badge.textContent = String(count);
      badge.title = `Referenced by ${count} block${count === 1 ? '' : 's'}: show backlinks`;
    });
  }

  private _counts: Record<string, number> = {};
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _disposed = false;
}
