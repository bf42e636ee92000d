import { expect, test } from '@jupyterlab/galata';

import {
  code,
  currentNotebook,
  indexed,
  markdown,
  notebook,
  openRendered,
  saveTrusted,
  unique,
  upload
} from './helpers';

const VEGALITE = 'application/vnd.vegalite.v5+json';

test.describe('facets of an embed', () => {
  test('outputs[n] shows one output; a Vega-Lite chart takes a merge patch; a bad patch is a marker', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    const block = `chart-${run}`;
    // Saved by this user through Jupyter, so trusted: JupyterLab draws Vega only for
    // trusted outputs (its renderer is not a safe one), in an embed as in its notebook.
    await saveTrusted(
      page,
      `${tmpPath}/charts.ipynb`,
      notebook([
        code(block, 'print(...); chart', [
          { output_type: 'stream', name: 'stdout', text: ['first output\n'] },
          {
            output_type: 'display_data',
            metadata: { [VEGALITE]: { embed_options: { renderer: 'svg' } } },
            data: {
              [VEGALITE]: {
                $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
                data: {
                  values: [
                    { month: 'Jan', units: 28 },
                    { month: 'Feb', units: 55 }
                  ]
                },
                mark: 'line',
                encoding: {
                  x: { field: 'month', type: 'nominal' },
                  y: { field: 'units', type: 'quantitative' }
                }
              },
              'text/plain': ['<VegaLite chart>']
            }
          }
        ])
      ])
    );
    await indexed(request, block);
    expect(
      (await (await request.get(`/api/blocks/block/${block}`)).json()).trusted
    ).toBe(true);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(`one-${run}`, `{{embed ((${block})) outputs[1]}}`),
        markdown(
          `patched-${run}`,
          `{{embed ((${block})) outputs[1] with {"mark": "bar", "title": "Q3"}}}`
        ),
        markdown(
          `bad-${run}`,
          `{{embed ((${block})) outputs with {mark: bar}}}`
        ),
        markdown(`none-${run}`, `{{embed ((${block})) outputs[7]}}`)
      ])
    );
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const cells = currentNotebook(page).locator('.jp-MarkdownCell');

    // outputs[1]: the chart alone, not the printed line
    const one = cells.nth(0).locator('.jp-Blocks-embed');
    await expect(one.locator('.vega-embed')).toBeVisible();
    await expect(one).not.toContainText('first output');
    await expect(one.locator('.mark-line')).toHaveCount(1);

    // The patch turns the line into bars with a title, drawn by JupyterLab's Vega
    const patched = cells.nth(1).locator('.jp-Blocks-embed');
    await expect(patched.locator('.mark-rect')).toHaveCount(1);
    await expect(patched.locator('.mark-line')).toHaveCount(0);
    await expect(patched.locator('svg text', { hasText: 'Q3' })).toBeVisible();

    // A patch that is not JSON says so; an output that is not there says so
    await expect(cells.nth(2).locator('.jp-Blocks-problem')).toContainText(
      'not valid JSON'
    );
    await expect(cells.nth(3)).toContainText('no output 7');
  });

  test('an embed cycle shows its marker where the loop closes, no text repeated', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    const [a, b, self] = [`a-${run}`, `b-${run}`, `self-${run}`];
    await upload(
      page,
      `${tmpPath}/a.ipynb`,
      notebook([
        markdown(a, `Text of A\n\n{{embed ((${b}))}}`),
        markdown(self, `Self text {{embed ((${self}))}}`)
      ])
    );
    await upload(
      page,
      `${tmpPath}/b.ipynb`,
      notebook([markdown(b, `Text of B\n\n{{embed ((${a}))}}`)])
    );
    await indexed(request, a);
    await indexed(request, b);
    await openRendered(page, `${tmpPath}/a.ipynb`);
    const cells = currentNotebook(page).locator('.jp-MarkdownCell');
    await expect(
      cells.nth(0).locator('.jp-Blocks-marker.jp-mod-cycle')
    ).toHaveCount(1);
    const text = await cells
      .nth(0)
      .locator('.jp-RenderedMarkdown')
      .first()
      .innerText();
    expect(text.split('Text of A').length - 1).toBe(1);
    expect(text.split('Text of B').length - 1).toBe(1);
    await expect(
      cells.nth(1).locator('.jp-Blocks-marker.jp-mod-cycle')
    ).toHaveCount(1);
    const selfText = await cells
      .nth(1)
      .locator('.jp-RenderedMarkdown')
      .first()
      .innerText();
    expect(selfText.split('Self text').length - 1).toBe(1);
  });
});
