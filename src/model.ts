import { PromiseDelegate } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import { BlocksRequestError, requestAPI } from './request';
import {
  IBacklink,
  IBlock,
  IBlocksChange,
  IBlocksModel,
  IEnsureIdOptions,
  ILabelRename,
  ILinksMoved,
  IRecipe,
  ISearchHit,
  IServerCheck,
  IStatus
} from './tokens';

/**
 * The version of this frontend package, from its package.json (bundled at build time).
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const FRONTEND_VERSION: string = require('../package.json').version;

/**
 * The pip command that installs the server half matching this frontend.
 */
export const INSTALL_COMMAND = `pip install "jupyter-blocks==${FRONTEND_VERSION}"`;

/**
 * How long resolve requests wait for others to join them (one request per render pass).
 */
const BATCH_DELAY_MS = 5;

/**
 * The server's limit of ids per resolve request.
 */
const MAX_RESOLVE = 500;

/**
 * A server event of the `jupyter_blocks` schema.
 */
export interface IBlocksEvent {
  action: 'changed' | 'progress' | 'ready' | 'links-moved';
  from?: string;
  to?: string;
  count?: number;
  refused?: string[];
  paths?: string[];
  ids?: string[];
  truncated?: boolean;
  done?: number;
  total?: number;
}

/**
 * The jupyter-blocks model: every call to the server goes through here.
 */
export class BlocksModel implements IBlocksModel {
  get serverCheck(): IServerCheck | null {
    return this._serverCheck;
  }

  get changed(): ISignal<IBlocksModel, IBlocksChange> {
    return this._changed;
  }

  get linksMoved(): ISignal<IBlocksModel, ILinksMoved> {
    return this._linksMoved;
  }

  get progress(): ISignal<
    IBlocksModel,
    { done: number; total: number; ready: boolean }
  > {
    return this._progress;
  }

  async checkServer(): Promise<IServerCheck> {
    const check = await this._checkServer();
    this._serverCheck = check;
    return check;
  }

  resolve(ids: string[]): Promise<Map<string, IBlock | null>> {
    const wanted = [...new Set(ids)];
    const missing = wanted.filter(
      id => !this._cache.has(id) && !this._inFlight.has(id)
    );
    for (const id of missing) {
      const delegate = new PromiseDelegate<IBlock | null>();
      // A failed request is answered by the next render, not by an unhandled error.
      delegate.promise.catch(() => undefined);
      this._inFlight.set(id, delegate);
      this._queue.add(id);
    }
    if (missing.length > 0 && this._timer === null) {
      this._timer = setTimeout(() => this._flush(), BATCH_DELAY_MS);
    }
    return Promise.all(
      wanted.map(async id => {
        const cached = this._cache.get(id);
        if (cached !== undefined) {
          return [id, cached] as const;
        }
        return [id, await this._inFlight.get(id)!.promise] as const;
      })
    ).then(entries => new Map(entries));
  }

  async ensureId(
    path: string,
    index: number,
    options: IEnsureIdOptions = {}
  ): Promise<{ id: string; written: boolean }> {
    const reply = await requestAPI<{ id: string; written: boolean }>(
      'ensure-id',
      {
        method: 'POST',
        body: JSON.stringify({
          path,
          index,
          cell_ids: options.cellIds,
          last_modified: options.lastModified
        })
      }
    );
    this._cache.delete(reply.id);
    return { id: reply.id, written: reply.written };
  }

  async search(query: string, limit = 20): Promise<ISearchHit[]> {
    const params = new URLSearchParams({ q: query, limit: String(limit) });
    const reply = await requestAPI<{ results: ISearchHit[] }>(
      `search?${params.toString()}`
    );
    return reply.results;
  }

  async backlinks(id: string): Promise<IBacklink[]> {
    const reply = await requestAPI<{ backlinks: IBacklink[] }>(
      `backlinks/${encodeURIComponent(id)}`
    );
    return reply.backlinks;
  }

  async notebookBacklinks(path: string): Promise<IBacklink[]> {
    const params = new URLSearchParams({ path });
    const reply = await requestAPI<{ backlinks: IBacklink[] }>(
      `notebook-backlinks?${params.toString()}`
    );
    return reply.backlinks;
  }

  async resolveNotebookLink(target: string): Promise<string> {
    const params = new URLSearchParams({ target });
    const reply = await requestAPI<{ path: string }>(
      `notebook-link?${params.toString()}`
    );
    return reply.path;
  }

  async backlinkCounts(path: string): Promise<Record<string, number>> {
    const params = new URLSearchParams({ path });
    const reply = await requestAPI<{ counts: Record<string, number> }>(
      `backlink-counts?${params.toString()}`
    );
    return reply.counts;
  }

  status(): Promise<IStatus> {
    return requestAPI<IStatus>('status');
  }

  recipe(id: string): Promise<IRecipe> {
    return requestAPI<IRecipe>(`recipe/${encodeURIComponent(id)}`);
  }

  async labelSource(
    cellType: string,
    source: string,
    label: string,
    id: string | null
  ): Promise<string> {
    const reply = await requestAPI<{ source: string }>('label', {
      method: 'POST',
      body: JSON.stringify({ cell_type: cellType, source, label, id })
    });
    return reply.source;
  }

  followMove(from: string, to: string, open: string[]): Promise<ILabelRename> {
    return requestAPI<ILabelRename>('follow-move', {
      method: 'POST',
      body: JSON.stringify({ from, to, open })
    });
  }

  renameLabel(
    label: string,
    newLabel: string,
    open: string[]
  ): Promise<ILabelRename> {
    return requestAPI<ILabelRename>('rename-label', {
      method: 'POST',
      body: JSON.stringify({ label, new: newLabel, open })
    });
  }

  /**
   * Apply a server event: forget what changed, then tell the views.
   */
  handleEvent(event: IBlocksEvent): void {
    if (event.action === 'links-moved') {
      this._linksMoved.emit({
        from: event.from ?? '',
        to: event.to ?? '',
        paths: event.paths ?? [],
        count: event.count ?? 0,
        refused: event.refused ?? []
      });
      return;
    }
    if (event.action === 'progress' || event.action === 'ready') {
      this._progress.emit({
        done: event.done ?? 0,
        total: event.total ?? 0,
        ready: event.action === 'ready'
      });
      if (event.action === 'progress') {
        return;
      }
    }
    const ids = new Set(event.ids ?? []);
    const paths = new Set(event.paths ?? []);
    // The first scan's end can make any unknown id known.
    const all = event.action === 'ready' || Boolean(event.truncated);
    for (const [id, block] of this._cache) {
      if (
        all ||
        ids.has(id) ||
        block === null ||
        (block !== null && paths.has(block.path))
      ) {
        this._cache.delete(id);
      }
    }
    this._changed.emit({ ids, paths, all });
  }

  private async _flush(): Promise<void> {
    this._timer = null;
    const ids = [...this._queue];
    this._queue.clear();
    for (let start = 0; start < ids.length; start += MAX_RESOLVE) {
      const chunk = ids.slice(start, start + MAX_RESOLVE);
      try {
        const reply = await requestAPI<{
          blocks: Record<string, IBlock | null>;
        }>('resolve', { method: 'POST', body: JSON.stringify({ ids: chunk }) });
        for (const id of chunk) {
          const block = reply.blocks[id] ?? null;
          this._cache.set(id, block);
          this._inFlight.get(id)?.resolve(block);
          this._inFlight.delete(id);
        }
      } catch (error) {
        for (const id of chunk) {
          this._inFlight.get(id)?.reject(error);
          this._inFlight.delete(id);
        }
      }
    }
  }

  private async _checkServer(): Promise<IServerCheck> {
    const frontendVersion = FRONTEND_VERSION;
    try {
      const reply = await requestAPI<{ version: string }>('version');
      const serverVersion = reply?.version ?? null;
      if (serverVersion === frontendVersion) {
        return { state: 'ok', frontendVersion, serverVersion, message: '' };
      }
      return {
        state: 'mismatch',
        frontendVersion,
        serverVersion,
        message:
          `jupyter-blocks: the server extension is version ${serverVersion} but ` +
          `the JupyterLab extension is ${frontendVersion}. Run ${INSTALL_COMMAND} ` +
          'in the environment that runs Jupyter, then restart the server.'
      };
    } catch (error) {
      const status = error instanceof BlocksRequestError ? error.status : -1;
      if (status === 404 || status === 0) {
        return {
          state: 'missing',
          frontendVersion,
          serverVersion: null,
          message:
            'jupyter-blocks: the server extension is not running, so references ' +
            `and backlinks cannot load. Run ${INSTALL_COMMAND} and ` +
            '"jupyter server extension enable jupyter_blocks" in the environment ' +
            'that runs Jupyter, then restart the server.'
        };
      }
      return {
        state: 'error',
        frontendVersion,
        serverVersion: null,
        message: `jupyter-blocks: the server extension answered an error: ${
          (error as Error).message
        }`
      };
    }
  }

  private _serverCheck: IServerCheck | null = null;
  private _cache = new Map<string, IBlock | null>();
  private _inFlight = new Map<string, PromiseDelegate<IBlock | null>>();
  private _queue = new Set<string>();
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _changed = new Signal<IBlocksModel, IBlocksChange>(this);
  private _linksMoved = new Signal<IBlocksModel, ILinksMoved>(this);
  private _progress = new Signal<
    IBlocksModel,
    { done: number; total: number; ready: boolean }
  >(this);
}
