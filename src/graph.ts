import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import Graph from 'graphology';
import { circlepack } from 'graphology-layout';
import forceAtlas2 from 'graphology-layout-forceatlas2';
import FA2Layout from 'graphology-layout-forceatlas2/worker';
import Sigma from 'sigma';
import { EdgeLineProgram, NodePointProgram } from 'sigma/rendering';

import { GraphModel, GraphScope } from './graphmodel';
import { IGraph, IGraphNode } from './tokens';

/**
 * Past this many notebooks the graph is large: the layout runs in a web worker (the
 * panel stays interactive meanwhile) for at most LAYOUT_MS, and nodes and edges are
 * drawn as GL points and lines (see `_draw`).
 */
const WORKER_LAYOUT_NODES = 500;
const LAYOUT_MS = 4000;

const NODE_COLOR = '#1976d2';
const ACTIVE_COLOR = '#e65100';
const MATCH_COLOR = '#f9a825';
const DIM_COLOR = '#d6d6d6';
const EDGE_COLOR = '#b0b0b0';

/**
 * A hairline's grey by its weight (a large graph's edges have no thickness): one
 * reference is light, 16 or more dark (nine shades, made once).
 */
const EDGE_COLORS = Array.from({ length: 9 }, (_, step) => {
  const hex = Math.round(0xc4 - 0x0e * step).toString(16);
  return `#${hex}${hex}${hex}`;
});
function edgeColor(weight: number): string {
  return EDGE_COLORS[
    Math.min(8, Math.round(2 * Math.log2(Math.max(1, weight))))
  ];
}

/**
 * The Blocks Graph panel: notebooks as nodes, references, embeds and links between
 * them as edges (thicker for more; past 500 notebooks hairlines, darker for more),
 * drawn with sigma.js (WebGL) and laid out by
 * ForceAtlas2. Click a node to open its notebook; hover for its title and counts;
 * type to highlight (and centre on) the notebooks whose path or title match.
 */
export class GraphView extends Widget {
  constructor(
    private readonly _model: GraphModel,
    private readonly _open: (path: string) => void
  ) {
    super();
    this.addClass('jp-Blocks-graph');
    const bar = document.createElement('div');
    bar.className = 'jp-Blocks-graphBar';
    this._scopeSelect.className = 'jp-Blocks-graphScope';
    this._scopeSelect.title = 'Which notebooks to show';
    for (const [value, label] of [
      ['local1', 'Around this notebook (1 link)'],
      ['local2', 'Around this notebook (2 links)'],
      ['whole', 'All notebooks']
    ]) {
      this._scopeSelect.append(new Option(label, value));
    }
    this._scopeSelect.addEventListener('change', () => {
      this._model.scope = this._scopeSelect.value as GraphScope;
    });
    this._search.className = 'jp-Blocks-graphSearch';
    this._search.type = 'search';
    this._search.placeholder = 'Highlight notebooks…';
    this._search.addEventListener('input', () => {
      this._match();
      this._renderer?.refresh();
      this._focus();
    });
    this._info.className = 'jp-Blocks-graphInfo';
    bar.append(this._scopeSelect, this._search, this._info);
    this._canvas.className = 'jp-Blocks-graphCanvas';
    this._tooltip.className = 'jp-Blocks-graphTooltip';
    this._tooltip.hidden = true;
    this._canvas.append(this._tooltip);
    this.node.append(bar, this._canvas);
    _model.stateChanged.connect(() => this.update(), this);
  }

  /**
   * The graph being drawn (graphology), for its positions and attributes.
   */
  get graph(): Graph {
    return this._graph;
  }

  dispose(): void {
    if (this._resizeFrame !== null) {
      cancelAnimationFrame(this._resizeFrame);
    }
    this._fa2?.kill();
    this._fa2 = null;
    this._renderer?.kill();
    super.dispose();
  }

  protected onAfterAttach(): void {
    this._model.visible = this.isVisible;
    // The renderer (WebGL contexts, compiled shaders) is made while the graph is
    // being fetched (asked for just above), not after it arrives.
    this._renderer ??= this._createRenderer(this._graph);
  }

  protected onAfterShow(): void {
    this._model.visible = true;
    this.update();
  }

  protected onAfterHide(): void {
    this._model.visible = false;
  }

  protected onBeforeDetach(): void {
    this._model.visible = false;
  }

  protected onResize(msg: Widget.ResizeMessage): void {
    // Once per frame, however many resizes come (a splitter dragged): each refresh
    // processes the whole graph.
    if (this._resizeFrame === null) {
      this._resizeFrame = requestAnimationFrame(() => {
        this._resizeFrame = null;
        this._renderer?.refresh();
      });
    }
  }

  protected onUpdateRequest(msg: Message): void {
    this._scopeSelect.value = this._model.scope;
    const data = this._model.graph;
    if (this._model.error) {
      this._info.textContent = `The graph is unavailable: ${this._model.error}`;
      return;
    }
    if (data === null) {
      this._info.textContent = 'Loading…';
      return;
    }
    if (data !== this._drawn) {
      // Only a new answer is drawn again (showing the panel, or a scope that asks
      // for the same notebooks, keeps what is drawn and where the layout put it).
      this._drawn = data;
      this._draw(data);
    } else if (this._model.path !== this._shownPath) {
      this._renderer?.refresh(); // the active notebook's colour moves
    }
    this._shownPath = this._model.path;
    const where =
      this._model.scope === 'whole' || this._model.path === null
        ? 'all notebooks'
        : `around ${this._model.path.split('/').pop()}`;
    this._info.textContent = `${data.nodes.length} notebooks, ${data.edges.length} links (${where})`;
    this._canvas.dataset.nodes = String(data.nodes.length);
    this._canvas.dataset.edges = String(data.edges.length);
  }

  private _draw(data: IGraph): void {
    const old = this._graph;
    const graph = new Graph({ type: 'directed' });
    const most = data.nodes.reduce((m, n) => Math.max(m, n.backlinks), 1);
    // A large graph draws its nodes as GL points and its edges as GL lines (the
    // weight as a darker grey): sigma's circles, arrows and thick edges are instanced
    // quads, and software WebGL (SwiftShader, a browser without a GPU) spent seconds
    // on 10,000 of them (BENCHMARKS.md, issue 20).
    const large = data.nodes.length > WORKER_LAYOUT_NODES;
    const nodeType = large ? 'point' : 'circle';
    const edgeType = large ? 'hairline' : 'arrow';
    for (const node of data.nodes) {
      const folders = node.id.split('/');
      graph.addNode(node.id, {
        label: node.title || folders[folders.length - 1],
        size: 3 + 9 * Math.sqrt(node.backlinks / most),
        color: NODE_COLOR,
        type: nodeType,
        folder: folders.length > 1 ? folders[0] : '',
        node
      });
    }
    // Edges keyed by their index: graphology's own keys cost a generator call each.
    data.edges.forEach((edge, index) => {
      graph.addDirectedEdgeWithKey(index, edge.source, edge.target, {
        size: Math.min(6, 0.5 + Math.log2(1 + edge.weight)),
        color: large ? edgeColor(edge.weight) : EDGE_COLOR,
        type: edgeType,
        weight: edge.weight
      });
    });
    // New notebooks start packed by top folder (linear time, and a first frame that
    // already groups them), known ones where they were; ForceAtlas2 goes on from there.
    circlepack.assign(graph, { hierarchyAttributes: ['folder'] });
    let known = 0;
    graph.forEachNode((key, attributes) => {
      if (old.hasNode(key)) {
        attributes.x = old.getNodeAttribute(key, 'x');
        attributes.y = old.getNodeAttribute(key, 'y');
        known++;
      }
    });
    this._graph = graph;
    this._fa2?.kill();
    this._fa2 = null;
    const settings = forceAtlas2.inferSettings(graph);
    if (graph.order > WORKER_LAYOUT_NODES) {
      const layout = new FA2Layout(graph, { settings });
      this._fa2 = layout;
      // The layout starts once the first frame is shown (the frame after it has
      // begun): every step it takes moves every node, and sigma processes and draws
      // the whole graph again for it.
      // `data-layout` says when nodes stop moving (tests wait on it).
      this._canvas.dataset.layout = 'running';
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          if (this._fa2 !== layout) {
            return;
          }
          layout.start();
          setTimeout(
            () => {
              if (this._fa2 === layout) {
                layout.stop();
                this._canvas.dataset.layout = 'done';
              }
            },
            known === graph.order ? 500 : LAYOUT_MS
          );
        })
      );
    } else {
      if (known < graph.order) {
        forceAtlas2.assign(graph, { iterations: 150, settings });
      }
      this._canvas.dataset.layout = 'done';
    }
    this._match();
    // Renders at once, every node (no need to refresh again).
    this._renderer ??= this._createRenderer(graph);
    this._renderer.setGraph(graph);
    this._focus();
  }

  private _createRenderer(graph: Graph): Sigma {
    const renderer = new Sigma(graph, this._canvas, {
      allowInvalidContainer: true,
      defaultEdgeType: 'arrow',
      nodeProgramClasses: { point: NodePointProgram },
      edgeProgramClasses: { hairline: EdgeLineProgram },
      labelRenderedSizeThreshold: 8,
      zIndex: true,
      nodeReducer: (key, attributes) => {
        const shown = { ...attributes };
        if (key === this._model.path) {
          shown.color = ACTIVE_COLOR;
          shown.forceLabel = true;
          shown.zIndex = 1;
        }
        if (this._matches !== null) {
          if (this._matches.has(key)) {
            shown.color = MATCH_COLOR;
            shown.highlighted = true;
            shown.forceLabel = true;
            shown.zIndex = 2;
          } else if (key !== this._model.path) {
            shown.color = DIM_COLOR;
            shown.label = '';
          }
        }
        return shown;
      },
      edgeReducer: (key, attributes) => {
        if (this._matches === null) {
          return attributes;
        }
        const [source, target] = this._graph.extremities(key);
        const lit = this._matches.has(source) || this._matches.has(target);
        return lit ? attributes : { ...attributes, color: DIM_COLOR };
      }
    });
    // How many notebooks and links the last frame drew (tests and benchmarks wait
    // on them; written only when they change, as each write is a DOM mutation).
    renderer.on('afterRender', () => {
      const shown = this._canvas.dataset;
      const [nodes, edges] = [
        String(this._graph.order),
        String(this._graph.size)
      ];
      if (shown.rendered !== nodes || shown.renderedEdges !== edges) {
        shown.rendered = nodes;
        shown.renderedEdges = edges;
      }
    });
    renderer.on('clickNode', ({ node }) => this._open(node));
    renderer.on('enterNode', ({ node }) => this._showTooltip(node));
    renderer.on('leaveNode', () => {
      this._tooltip.hidden = true;
      this._canvas.style.cursor = '';
    });
    return renderer;
  }

  private _showTooltip(key: string): void {
    const node = this._graph.getNodeAttribute(key, 'node') as IGraphNode;
    const display = this._renderer?.getNodeDisplayData(key);
    if (!display || !this._renderer) {
      return;
    }
    const at = this._renderer.framedGraphToViewport(display);
    this._tooltip.textContent = '';
    const title = document.createElement('strong');
    title.textContent = node.title || node.id.split('/').pop() || node.id;
    const path = document.createElement('div');
    path.textContent = node.id;
    const counts = document.createElement('div');
    counts.textContent = `${node.blocks} blocks · ${node.backlinks} backlinks · ${this._graph.outDegree(key)} notebooks linked`;
    this._tooltip.append(title, path, counts);
    this._tooltip.style.left = `${at.x + 12}px`;
    this._tooltip.style.top = `${at.y + 12}px`;
    this._tooltip.hidden = false;
    this._canvas.style.cursor = 'pointer';
  }

  /**
   * Find the notebooks whose path or title holds the search text (the reducers
   * highlight them at the next render).
   */
  private _match(): void {
    const query = this._search.value.trim().toLowerCase();
    this._matches = null;
    delete this._canvas.dataset.focused;
    if (query) {
      this._matches = new Set(
        this._graph.filterNodes((key, attributes) => {
          const title = (attributes.node as IGraphNode).title.toLowerCase();
          return key.toLowerCase().includes(query) || title.includes(query);
        })
      );
    }
  }

  /**
   * Centre the view on the first notebook found.
   */
  private _focus(): void {
    const renderer = this._renderer;
    const first = this._matches ? [...this._matches].sort()[0] : undefined;
    if (renderer === null || first === undefined) {
      return;
    }
    const display = renderer.getNodeDisplayData(first);
    if (display) {
      void renderer
        .getCamera()
        .animate({ x: display.x, y: display.y, ratio: 0.5 }, { duration: 300 })
        .then(() => {
          this._canvas.dataset.focused = first;
        });
    }
  }

  private _graph = new Graph({ type: 'directed' });
  private _drawn: IGraph | null = null;
  private _shownPath: string | null = null;
  private _renderer: Sigma | null = null;
  private _resizeFrame: number | null = null;
  private _fa2: FA2Layout | null = null;
  private _matches: Set<string> | null = null;
  private _scopeSelect = document.createElement('select');
  private _search = document.createElement('input');
  private _info = document.createElement('span');
  private _canvas = document.createElement('div');
  private _tooltip = document.createElement('div');
}
