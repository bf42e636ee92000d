import { INotebookTracker } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { IBlocksModel, IGraph } from './tokens';

/**
 * What the graph shows: the notebooks within one or two links of the active one, or
 * every notebook.
 */
export type GraphScope = 'local1' | 'local2' | 'whole';

/**
 * How long index changes are gathered before the graph is asked for again.
 */
const REFRESH_DELAY_MS = 500;

/**
 * The graph the panel shows, fetched through the blocks model: follows the active
 * notebook (for a local graph) and the index's changes while it is visible.
 */
export class GraphModel {
  constructor(
    private readonly _blocks: IBlocksModel,
    private readonly _tracker: INotebookTracker
  ) {
    _tracker.currentChanged.connect(() => this._onActive(), this);
    _blocks.changed.connect(() => this._schedule(), this);
  }

  get scope(): GraphScope {
    return this._scope;
  }

  set scope(value: GraphScope) {
    this._scope = value;
    if (this._request() !== this._asked) {
      void this.refresh();
    } else {
      // The same notebooks as the graph held or being fetched (no active notebook:
      // a local graph is the whole one): nothing to fetch or draw again.
      this._stateChanged.emit();
    }
  }

  /**
   * The notebook at the centre of a local graph (the active one), or null.
   */
  get path(): string | null {
    return this._path;
  }

  get graph(): IGraph | null {
    return this._graph;
  }

  get error(): string {
    return this._error;
  }

  get stateChanged(): ISignal<GraphModel, void> {
    return this._stateChanged;
  }

  set visible(value: boolean) {
    this._visible = value;
    if (value && this._stale) {
      void this.refresh();
    }
  }

  async refresh(): Promise<void> {
    this._path = this._tracker.currentWidget?.context.path ?? this._path;
    if (!this._visible) {
      this._stale = true;
      return;
    }
    this._stale = false;
    const ticket = ++this._ticket;
    const local = this._scope !== 'whole' && this._path !== null;
    this._asked = this._request();
    try {
      const graph = await this._blocks.graph(
        local ? this._path! : undefined,
        this._scope === 'local2' ? 2 : 1
      );
      if (ticket !== this._ticket) {
        return;
      }
      this._graph = graph;
      this._error = '';
    } catch (error) {
      if (ticket !== this._ticket) {
        return;
      }
      this._graph = null;
      this._asked = null; // asking again for the same notebooks retries
      this._error = (error as Error).message;
    }
    this._stateChanged.emit();
  }

  dispose(): void {
    if (this._timer !== null) {
      clearTimeout(this._timer);
    }
    Signal.clearData(this);
  }

  /**
   * What `refresh` asks the server for, as one string.
   */
  private _request(): string {
    const path = this._tracker.currentWidget?.context.path ?? this._path;
    if (this._scope === 'whole' || path === null) {
      return 'whole';
    }
    return `${this._scope === 'local2' ? 2 : 1}:${path}`;
  }

  private _onActive(): void {
    if (this._scope !== 'whole') {
      void this.refresh();
    } else {
      this._path = this._tracker.currentWidget?.context.path ?? this._path;
      this._stateChanged.emit();
    }
  }

  private _schedule(): void {
    if (this._timer !== null) {
      return;
    }
    this._timer = setTimeout(() => {
      this._timer = null;
      void this.refresh();
    }, REFRESH_DELAY_MS);
  }

  private _scope: GraphScope = 'local1';
  private _path: string | null = null;
  private _graph: IGraph | null = null;
  private _error = '';
  private _visible = false;
  private _stale = true;
  private _ticket = 0;
  private _asked: string | null = null;
  private _timer: ReturnType<typeof setTimeout> | null = null;
  private _stateChanged = new Signal<GraphModel, void>(this);
}
