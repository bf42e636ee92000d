import { RenderMimeRegistry } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Contents } from '@jupyterlab/services';

import {
  DEFAULT_SETTINGS,
  IBlocksSettings,
  IEmbedChain,
  ITransclusionContext
} from './context';
import { renderCode, renderOutputs } from './embedoutputs';
import { code, label, marker, missing } from './marks';
import { disarmCommands, TRUST_POLICY } from './policy';
import { Token } from './syntax';
import { blockTitle, titleTargets } from './titles';
import { IBlock, IBlocksModel } from './tokens';

export { DEFAULT_SETTINGS, TRUST_POLICY };
export type { IBlocksSettings, IEmbedChain, ITransclusionContext };
export { failed } from './marks';

/**
 * Renders the markdown of an embedded block (with its own embeds, one level deeper).
 */
export type MarkdownRenderer = (
  host: HTMLElement,
  block: IBlock,
  ancestors: string[]
) => Promise<IRenderMime.IRenderer>;

/**
 * An inline reference: the block's title as a link, or a placeholder.
 */
export async function createReference(
  id: string,
  block: IBlock | null,
  context: ITransclusionContext
): Promise<HTMLElement> {
  if (block === null) {
    return missing(id, 'span', 'block not found');
  }
  const link = document.createElement('a');
  link.className = 'jp-Blocks-ref';
  link.dataset.blockId = id;
  link.href = '#';
  link.title = `${block.path}, cell ${block.index + 1}${
    block.deleted ? ' (deleted)' : ''
  }`;
  const title =
    (await titleOf(block, context.model)) || `cell ${block.index + 1}`;
  if (block.deleted) {
    link.classList.add('jp-mod-deleted');
    link.append(label('deleted block'), ` ${title} `, code(id));
  } else {
    link.textContent = title;
  }
  link.addEventListener('click', event => {
    event.preventDefault();
    context.open(block);
  });
  context.preview?.attach(link, block);
  return link;
}

/**
 * A block's title, its own references shown by their targets' titles (one level:
 * theirs are dropped), as the server titles it.
 */
export async function titleOf(
  block: IBlock,
  model: IBlocksModel
): Promise<string> {
  const targets = titleTargets(block.source, block.cell_type);
  const titles = new Map<string, string>();
  if (targets.length > 0) {
    try {
      for (const [target, nested] of await model.resolve(targets)) {
        if (nested) {
          titles.set(target, blockTitle(nested.source, nested.cell_type));
        }
      }
    } catch {
      // unreachable: the nested references are dropped from the title
    }
  }
  return blockTitle(block.source, block.cell_type, titles);
}

/**
 * A `[[path.ipynb]]` link.
 */
export function createNotebookLink(
  path: string,
  context: ITransclusionContext
): HTMLElement {
  const link = document.createElement('a');
  link.className = 'jp-Blocks-notebookLink';
  link.href = '#';
  link.dataset.path = path;
  link.textContent = path
    .split('/')
    .pop()!
    .replace(/\.ipynb$/i, '');
  link.title = path;
  link.addEventListener('click', event => {
    event.preventDefault();
    context.openNotebook(path);
  });
  return link;
}

/**
 * An embed: the block's content in a box naming its notebook, or a placeholder.
 */
export async function createEmbed(
  token: Extract<Token, { kind: 'embed' }>,
  block: IBlock | null,
  chain: IEmbedChain,
  context: ITransclusionContext,
  renderMarkdown: MarkdownRenderer,
  renderers: IRenderMime.IRenderer[]
): Promise<HTMLElement> {
  const id = token.id;
  if (block === null) {
    return missing(id, 'div', 'block not found');
  }
  if (id === chain.host || chain.ancestors.includes(id)) {
    const loop = [chain.host, ...chain.ancestors, id].filter(Boolean);
    return marker(id, 'cycle', `cycle: ${loop.join(' → ')}`);
  }
  if (chain.ancestors.length >= context.settings.embedDepth) {
    return marker(
      id,
      'too-deep',
      `too deep: embeds nest more than ${context.settings.embedDepth} levels`
    );
  }
  const box = document.createElement('div');
  box.className = 'jp-Blocks-embed';
  box.dataset.blockId = id;
  box.dataset.facet = token.facet;
  box.append(embedHeader(id, block, context));
  const body = document.createElement('div');
  body.className = 'jp-Blocks-embedBody';
  box.append(body);
  if (block.deleted) {
    box.classList.add('jp-mod-deleted');
    const source = document.createElement('pre');
    source.textContent = block.source;
    body.append(source);
    return box;
  }
  if (block.cell_type === 'markdown') {
    renderers.push(await renderMarkdown(body, block, [...chain.ancestors, id]));
    disarmCommands(body);
    return box;
  }
  const facet = token.facet;
  const showSource =
    facet === 'source' ||
    (facet === 'all' &&
      (context.settings.showEmbedSource || block.cell_type !== 'code'));
  if (showSource) {
    const source = document.createElement('div');
    source.className = 'jp-Blocks-embedSource';
    body.append(source);
    renderers.push(await renderCode(source, block, context.rendermime));
  }
  if (facet !== 'source' && block.cell_type === 'code') {
    const outputs = document.createElement('div');
    outputs.className = 'jp-Blocks-embedOutputs jp-OutputArea';
    if (chain.outputsFirst && block.outputs.length > 0) {
      body.prepend(outputs);
    } else {
      body.append(outputs);
    }
    await renderOutputs(outputs, token, block, context, renderers);
  }
  disarmCommands(body);
  if (block.cell_type === 'code') {
    context.embedActions?.(box, block, id);
  }
  return box;
}

/**
 * A resolver for links and images of a block: relative to its own notebook, and its
 * `attachment:` images (pasted into a markdown cell) from the block itself.
 */
export function resolverFor(
  block: IBlock,
  contents: Contents.IManager
): IRenderMime.IResolver {
  const files = new RenderMimeRegistry.UrlResolver({
    path: block.path,
    contents
  });
  const attachment = (url: string): string | null => {
    if (!url.startsWith('attachment:')) {
      return null;
    }
    const bundle =
      block.attachments?.[decodeURIComponent(url.slice('attachment:'.length))];
    const mime =
      bundle && Object.keys(bundle).find(m => m.startsWith('image/'));
    return mime ? `data:${mime};base64,${bundle[mime]}` : '';
  };
  return {
    resolveUrl: url =>
      attachment(url) === null ? files.resolveUrl(url) : Promise.resolve(url),
    getDownloadUrl: url => {
      const data = attachment(url);
      return data === null ? files.getDownloadUrl(url) : Promise.resolve(data);
    },
    isLocal: (url, allowRoot) =>
      url.startsWith('attachment:') ||
      (files.isLocal?.(url, allowRoot) ?? false),
    resolvePath: files.resolvePath?.bind(files)
  };
}

function embedHeader(
  id: string,
  block: IBlock,
  context: ITransclusionContext
): HTMLElement {
  const header = document.createElement('div');
  header.className = 'jp-Blocks-embedHeader';
  const source = document.createElement('a');
  source.className = 'jp-Blocks-embedTitle';
  source.href = '#';
  source.textContent = `${block.path} · cell ${block.index + 1}`;
  source.title = `Open ${block.path} at this block`;
  source.addEventListener('click', event => {
    event.preventDefault();
    context.open(block);
  });
  header.append(source);
  if (block.deleted) {
    header.append(
      ' ',
      label('deleted block: last known content'),
      ' ',
      code(id)
    );
  } else if (
    !context.policy.outputsTrusted(block) &&
    block.cell_type === 'code' &&
    block.outputs.length
  ) {
    const untrusted = label('untrusted');
    untrusted.title =
      'Outputs from a notebook you have not trusted are shown sanitized. Trust its notebook to show them in full.';
    header.append(' ', untrusted);
  }
  return header;
}
