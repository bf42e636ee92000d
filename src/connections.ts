/**
 * The shapes of the server's answers about connections between notebooks: unlinked
 * references (`GET unlinked`) and the graph (`GET graph`), README "REST API".
 */

/**
 * A cell that names a notebook or block in prose without linking it
 * (`GET /api/blocks/unlinked`).
 */
export interface IUnlinked {
  /**
   * The mentioning cell's id (null when its notebook has no ids).
   */
  id: string | null;
  /**
   * The mentioning cell's notebook.
   */
  path: string;
  /**
   * The mentioning cell's position in its notebook.
   */
  index: number;
  /**
   * One line of the cell around the mention.
   */
  snippet: string;
  /**
   * The mention as written in the cell (`source.slice(start, end)`).
   */
  match: string;
  /**
   * Which name it matched: the notebook's title or file name, or the block's label.
   */
  name: string;
  /**
   * Where the mention starts in the cell's source, in Unicode code points (as Python
   * counts; a JavaScript string counts UTF-16 units: see `unlinked.ts`).
   */
  start: number;
  /**
   * Where the mention ends in the cell's source.
   */
  end: number;
  /**
   * What the Link action writes in its place (`[[path]]` or `((label))`), or null
   * when no link can be written.
   */
  link: string | null;
  /**
   * The SHA-256 of the cell's source as read: the server refuses to link over
   * another version.
   */
  digest: string;
}

/**
 * A notebook in the graph (`GET /api/blocks/graph`).
 */
export interface IGraphNode {
  /**
   * The notebook's path.
   */
  id: string;
  /**
   * Its first heading, or "".
   */
  title: string;
  /**
   * How many blocks (cells) it holds.
   */
  blocks: number;
  /**
   * How many references, embeds and links other notebooks make to it.
   */
  backlinks: number;
}

/**
 * The references, embeds and `[[links]]` written in `source` to `target`.
 */
export interface IGraphEdge {
  /**
   * The notebook whose cells hold the references.
   */
  source: string;
  /**
   * The notebook they reference (its blocks, or itself).
   */
  target: string;
  /**
   * How many references, embeds and links.
   */
  weight: number;
  /**
   * Which kinds they are.
   */
  kinds: ('ref' | 'embed' | 'notebook')[];
}

/**
 * Notebooks and the links between them.
 */
export interface IGraph {
  /**
   * The notebooks, by path.
   */
  nodes: IGraphNode[];
  /**
   * The links between them, by pair of notebooks.
   */
  edges: IGraphEdge[];
}
