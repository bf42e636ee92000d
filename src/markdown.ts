import { MimeModel, RenderedMarkdown } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { findTokens, Token, withSentinels } from './syntax';
import { IBlock, IBlocksChange } from './tokens';
import {
  createEmbed,
  createNotebookLink,
  createReference,
  failed,
  ITransclusionContext,
  resolverFor
} from './transclusion';

/**
 * Rendered markdown with block references and embeds. The syntax is found in the
 * markdown source by the shared specification (`findTokens`, as the server finds it);
 * each reference that counts is replaced by a sentinel word, JupyterLab's own markdown
 * renderer (and its sanitizer) renders the result, and each sentinel is then replaced
 * by what the reference names. So what the page shows as a reference is exactly what
 * the index counts, and markdown never reads inside the syntax.
 */
export class BlocksMarkdownRenderer extends RenderedMarkdown {
  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly _context: ITransclusionContext,
    private readonly _ancestors: string[] = [],
    private _host: string | null = null
  ) {
    super(options);
    this._options = options;
    if (_context.settings.liveRefresh) {
      _context.model.changed.connect(this._onChanged, this);
    }
  }

  async render(model: IRenderMime.IMimeModel): Promise<void> {
    this._lastModel = model;
    this._disposeChildren();
    const generation = ++this._generation;
    const source = String(model.data[this.mimeType] ?? '');
    const tokens = findTokens(source);
    this._ids = new Set(
      tokens.flatMap(t => (t.kind === 'notebook' ? [] : [t.id]))
    );
    if (tokens.length === 0) {
      return super.render(model);
    }
    const marked = withSentinels(source, tokens);
    await super.render(
      new MimeModel({
        data: { [this.mimeType]: marked.text },
        metadata: model.metadata,
        trusted: model.trusted
      })
    );
    if (generation === this._generation) {
      await this._transclude(generation, source, tokens, marked.pattern);
    }
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._context.model.changed.disconnect(this._onChanged, this);
    this._disposeChildren();
    super.dispose();
  }

  private async _transclude(
    generation: number,
    source: string,
    tokens: Token[],
    pattern: RegExp
  ): Promise<void> {
    // Where markdown put a sentinel in an attribute (a heading's anchor), the syntax
    // is put back as written.
    const written = (text: string) =>
      text.replace(pattern, (_, n) => {
        const token = tokens[Number(n)];
        return token ? source.slice(token.start, token.end) : '';
      });
    for (const element of this.node.querySelectorAll('*')) {
      for (const attribute of Array.from(element.attributes)) {
        if (pattern.test(attribute.value)) {
          attribute.value = written(attribute.value);
        }
        pattern.lastIndex = 0;
      }
    }
    const texts: Text[] = [];
    const walker = document.createTreeWalker(this.node, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (pattern.test((node as Text).data)) {
        texts.push(node as Text);
      }
      pattern.lastIndex = 0;
    }
    let blocks: Map<string, IBlock | null>;
    try {
      blocks = await this._context.model.resolve([...this._ids]);
    } catch {
      // The server is unreachable: the syntax shows as written.
      texts.forEach(text => (text.data = written(text.data)));
      return;
    }
    this._paths = new Set(
      [...blocks.values()].flatMap(block => (block ? [block.path] : []))
    );
    if (this._host === null && this._ancestors.length === 0) {
      // The cell this markdown belongs to: an embed of it is a cycle.
      this._host = this._context.hostCellId?.(this.node) ?? null;
    }
    for (const text of texts) {
      if (generation !== this._generation) {
        return; // a newer render replaced this one's content
      }
      await this._replace(text, tokens, pattern, blocks);
    }
  }

  private async _replace(
    text: Text,
    tokens: Token[],
    pattern: RegExp,
    blocks: Map<string, IBlock | null>
  ): Promise<void> {
    const parts: (string | HTMLElement)[] = [];
    let cursor = 0;
    let embeds = 0;
    for (const match of text.data.matchAll(pattern)) {
      parts.push(text.data.slice(cursor, match.index));
      cursor = match.index! + match[0].length;
      const token = tokens[Number(match[1])];
      if (token.kind === 'embed') {
        embeds++;
      }
      parts.push(await this._element(token, blocks));
    }
    parts.push(text.data.slice(cursor));
    const paragraph = text.parentElement;
    const alone =
      paragraph?.tagName === 'P' &&
      paragraph.childNodes.length === 1 &&
      embeds === 1 &&
      parts.every(p => typeof p !== 'string' || p.trim() === '');
    if (alone) {
      // An embed on its own line is a block: it takes the paragraph's place.
      paragraph.replaceWith(...parts.filter(p => typeof p !== 'string'));
    } else {
      text.replaceWith(...parts.filter(p => p !== ''));
    }
  }

  /**
   * What one reference shows. A block that cannot be shown (malformed content) is a
   * marker, and the rest of the cell renders.
   */
  private async _element(
    token: Token,
    blocks: Map<string, IBlock | null>
  ): Promise<HTMLElement> {
    try {
      if (token.kind === 'notebook') {
        return createNotebookLink(token.path, this._context);
      }
      const block = blocks.get(token.id) ?? null;
      if (token.kind === 'ref') {
        return await createReference(token.id, block, this._context);
      }
      return await createEmbed(
        token,
        block,
        { ancestors: this._ancestors, host: this._host },
        this._context,
        (host, nested, ancestors) =>
          this._renderNested(host, nested, ancestors),
        this._children
      );
    } catch (error) {
      const id = token.kind === 'notebook' ? token.path : token.id;
      return failed(id, error);
    }
  }

  /**
   * The markdown of an embedded block, with its own references, one level deeper and
   * with links resolved from its notebook.
   */
  private _renderNested(
    host: HTMLElement,
    block: IBlock,
    ancestors: string[]
  ): Promise<IRenderMime.IRenderer> {
    return renderBlockMarkdown(
      this._context,
      host,
      block,
      ancestors,
      this._host,
      this._options
    );
  }

  private _onChanged(_: unknown, change: IBlocksChange): void {
    if (!this._lastModel || this._ids.size === 0) {
      return;
    }
    const touched =
      change.all ||
      [...this._ids].some(id => change.ids.has(id)) ||
      [...this._paths].some(path => change.paths.has(path));
    if (touched) {
      void this.renderModel(this._lastModel);
    }
  }

  private _disposeChildren(): void {
    for (const child of this._children) {
      child.dispose();
    }
    this._children = [];
  }

  private _options: IRenderMime.IRendererOptions;
  private _lastModel: IRenderMime.IMimeModel | null = null;
  private _ids = new Set<string>();
  private _paths = new Set<string>();
  private _children: IRenderMime.IRenderer[] = [];
  private _generation = 0;
}

/**
 * The markdown of a block rendered into `host` with its own references and embeds,
 * `ancestors` being the embeds it sits in and `hostCell` the cell they start from (to
 * stop at cycles), its links resolved from its own notebook. Always rendered
 * untrusted, so sanitized, as JupyterLab renders markdown cells (`policy.ts`).
 */
export async function renderBlockMarkdown(
  context: ITransclusionContext,
  host: HTMLElement,
  block: IBlock,
  ancestors: string[],
  hostCell: string | null = null,
  options?: IRenderMime.IRendererOptions
): Promise<IRenderMime.IRenderer> {
  const rendermime = context.rendermime;
  const base: IRenderMime.IRendererOptions = options ?? {
    mimeType: 'text/markdown',
    sanitizer: rendermime.sanitizer,
    resolver: rendermime.resolver,
    linkHandler: rendermime.linkHandler,
    latexTypesetter: rendermime.latexTypesetter,
    markdownParser: rendermime.markdownParser
  };
  const renderer = new BlocksMarkdownRenderer(
    {
      ...base,
      sanitizer: rendermime.sanitizer,
      resolver: resolverFor(block, context.contents)
    },
    context,
    ancestors,
    hostCell
  );
  await renderer.renderModel(
    new MimeModel({
      data: { 'text/markdown': block.source },
      trusted: context.policy.markdownTrusted(block)
    })
  );
  host.append(renderer.node);
  return renderer;
}

/**
 * A renderer factory for markdown, preferred over JupyterLab's own (rank 60).
 */
export function blocksMarkdownFactory(
  context: ITransclusionContext
): IRenderMime.IRendererFactory {
  return {
    safe: true,
    mimeTypes: ['text/markdown'],
    defaultRank: 50,
    createRenderer: options => new BlocksMarkdownRenderer(options, context)
  };
}
