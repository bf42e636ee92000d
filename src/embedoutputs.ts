import {
  IRenderMimeRegistry,
  MimeModel,
  OutputModel
} from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';

import { label, problem } from './marks';
import { parsePatch, mergePatch, VEGALITE_PREFIX } from './patch';
import { languageTag } from './policy';
import { Token } from './syntax';
import { IBlock } from './tokens';
import type { ITransclusionContext } from './context';

/**
 * What an embed shows of a code block: its source, highlighted, and its outputs, as
 * JupyterLab shows them in the block's own notebook.
 */

/**
 * The outputs an embed shows: all, or the one `outputs[n]` picks, with a `with`
 * patch applied to Vega-Lite charts. Each output that cannot be shown is a marker.
 */
export async function renderOutputs(
  host: HTMLElement,
  token: Extract<Token, { kind: 'embed' }>,
  block: IBlock,
  context: ITransclusionContext,
  renderers: IRenderMime.IRenderer[]
): Promise<void> {
  let outputs = block.outputs as unknown[];
  if (token.output !== undefined) {
    if (token.output >= outputs.length) {
      host.append(
        label(
          `no output ${token.output}: the block has ${outputs.length} output${
            outputs.length === 1 ? '' : 's'
          } (outputs[n] counts from 0)`
        )
      );
      return;
    }
    outputs = [outputs[token.output]];
  }
  let patch: Record<string, unknown> | null = null;
  if (token.patch !== undefined) {
    try {
      patch = parsePatch(token.patch);
    } catch (error) {
      host.append(
        problem(`cannot apply ${token.patch}: ${(error as Error).message}`)
      );
      return;
    }
  }
  for (const output of outputs) {
    let shown: IRenderMime.IRenderer | HTMLElement | null;
    try {
      shown = await renderOutput(
        patch ? patched(output, patch) : output,
        context.policy.outputsTrusted(block),
        context.rendermime
      );
    } catch (error) {
      shown = problem(
        `this output cannot be shown: ${(error as Error).message}`
      );
    }
    if (shown) {
      const wrapper = document.createElement('div');
      wrapper.className = 'jp-OutputArea-output';
      if (shown instanceof HTMLElement) {
        wrapper.append(shown);
      } else {
        wrapper.append(shown.node);
        renderers.push(shown);
      }
      host.append(wrapper);
    }
  }
  if (outputs.length === 0 && token.facet === 'outputs') {
    host.append(label('no outputs: run the cell in its notebook'));
  }
}

/**
 * An output with a merge patch applied to each of its Vega-Lite specs; throws when
 * it holds none.
 */
function patched(output: unknown, patch: Record<string, unknown>): unknown {
  const data = (output as { data?: Record<string, unknown> } | null)?.data;
  const specs = data
    ? Object.keys(data).filter(m => m.startsWith(VEGALITE_PREFIX))
    : [];
  if (!data || specs.length === 0) {
    throw new Error('it holds no Vega-Lite chart to patch');
  }
  const changed = { ...data };
  for (const mime of specs) {
    changed[mime] = mergePatch(data[mime], patch);
  }
  return { ...(output as object), data: changed };
}

export async function renderCode(
  host: HTMLElement,
  block: IBlock,
  rendermime: IRenderMimeRegistry
): Promise<IRenderMime.IRenderer> {
  // Fenced code in markdown is highlighted by JupyterLab's markdown parser.
  const fence = '`'.repeat(Math.max(3, longestRun(block.source, '`') + 1));
  const source = `${fence}${languageTag(block.language)}\n${block.source}\n${fence}`;
  const renderer = rendermime.createRenderer('text/markdown');
  await renderer.renderModel(
    new MimeModel({ data: { 'text/markdown': source }, trusted: false })
  );
  host.append(renderer.node);
  return renderer;
}

/**
 * One output, rendered as JupyterLab renders it in its own notebook: trusted only
 * when the policy says so, else sanitized and without unsafe mime types (no script,
 * no untrusted SVG). A malformed output is a marker.
 */
async function renderOutput(
  output: unknown,
  trusted: boolean,
  rendermime: IRenderMimeRegistry
): Promise<IRenderMime.IRenderer | HTMLElement | null> {
  const kind = (output as { output_type?: unknown } | null)?.output_type;
  if (typeof kind !== 'string' || !KNOWN_OUTPUTS.has(kind)) {
    const reason = (output as { reason?: unknown } | null)?.reason;
    return problem(
      `this output is malformed${typeof reason === 'string' ? `: ${reason}` : ''}`
    );
  }
  const model = new OutputModel({
    value: output as IBlock['outputs'][number],
    trusted
  });
  const mimeType = rendermime.preferredMimeType(
    model.data,
    trusted ? 'any' : 'ensure'
  );
  if (!mimeType) {
    return null;
  }
  const renderer = rendermime.createRenderer(mimeType);
  await renderer.renderModel(model);
  return renderer;
}

const KNOWN_OUTPUTS = new Set([
  'execute_result',
  'display_data',
  'stream',
  'error',
  'update_display_data'
]);

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}
