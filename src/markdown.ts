import { MimeModel, RenderedMarkdown } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { findTokens, Token } from './syntax';
import { IBlock, IBlocksChange } from './tokens';
import {
  createEmbed,
  createNotebookLink,
  createReference,
  ITransclusionContext,
  resolverFor
} from './transclusion';

/**
 * Elements whose text is never parsed: code as markdown renders it, and what we
 * rendered ourselves.
 */
const OPAQUE = 'code, pre, script, style, .jp-Blocks-embed, .jp-Blocks-ref';

/**
 * Rendered markdown with block references and embeds: JupyterLab's markdown renderer,
 * then the references in its text replaced by what they name.
 */
export class BlocksMarkdownRenderer extends RenderedMarkdown {
  constructor(
    options: IRenderMime.IRendererOptions,
    private readonly _context: ITransclusionContext,
    private readonly _ancestors: string[] = []
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
    await super.render(model);
    if (generation === this._generation) {
      await this._transclude(generation);
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

  private async _transclude(generation: number): Promise<void> {
    const found: [Text, Token[]][] = [];
    const walker = document.createTreeWalker(this.node, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node as Text;
      if (text.parentElement?.closest(OPAQUE)) {
        continue;
      }
      const tokens = findTokens(text.data);
      if (tokens.length > 0) {
        found.push([text, tokens]);
      }
    }
    const ids = found.flatMap(([, tokens]) =>
      tokens.flatMap(t => (t.kind === 'notebook' ? [] : [t.id]))
    );
    this._ids = new Set(ids);
    if (found.length === 0) {
      return;
    }
    let blocks: Map<string, IBlock | null>;
    try {
      blocks = await this._context.model.resolve(ids);
    } catch {
      return; // the server is unreachable: the text stays as written
    }
    this._paths = new Set(
      [...blocks.values()].flatMap(block => (block ? [block.path] : []))
    );
    for (const [text, tokens] of found) {
      if (generation !== this._generation) {
        return; // a newer render replaced this one's content
      }
      await this._replace(text, tokens, blocks);
    }
  }

  private async _replace(
    text: Text,
    tokens: Token[],
    blocks: Map<string, IBlock | null>
  ): Promise<void> {
    const parts: (string | HTMLElement)[] = [];
    let cursor = 0;
    for (const token of tokens) {
      parts.push(text.data.slice(cursor, token.start));
      cursor = token.end;
      if (token.kind === 'notebook') {
        parts.push(createNotebookLink(token.path, this._context));
      } else if (token.kind === 'ref') {
        parts.push(
          createReference(token.id, blocks.get(token.id) ?? null, this._context)
        );
      } else {
        parts.push(
          await createEmbed(
            token.id,
            token.facet,
            blocks.get(token.id) ?? null,
            this._ancestors,
            this._context,
            (host, block, ancestors) =>
              this._renderNested(host, block, ancestors),
            this._children
          )
        );
      }
    }
    parts.push(text.data.slice(cursor));
    const paragraph = text.parentElement;
    const alone =
      paragraph?.tagName === 'P' &&
      paragraph.childNodes.length === 1 &&
      tokens.length === 1 &&
      tokens[0].kind === 'embed' &&
      parts.every(p => typeof p !== 'string' || p.trim() === '');
    if (alone) {
      // An embed on its own line is a block: it takes the paragraph's place.
      paragraph.replaceWith(...parts.filter(p => typeof p !== 'string'));
    } else {
      text.replaceWith(...parts.filter(p => p !== ''));
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
 * `ancestors` being the embeds it sits in (to stop at cycles), and its links resolved
 * from its own notebook.
 */
export async function renderBlockMarkdown(
  context: ITransclusionContext,
  host: HTMLElement,
  block: IBlock,
  ancestors: string[],
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
    { ...base, resolver: resolverFor(block, context.contents) },
    context,
    ancestors
  );
  await renderer.renderModel(
    new MimeModel({
      data: { 'text/markdown': block.source },
      trusted: block.trusted
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
