import { expect, test } from '@jupyterlab/galata';

import {
  code,
  currentNotebook,
  indexed,
  markdown,
  notebook,
  openRendered,
  unique,
  upload
} from './helpers';

test.describe('Text notebooks as blocks (jupytext formats)', () => {
  test('a MyST markdown block and a paired py:percent block embed like any block', async ({
    page,
    tmpPath
  }) => {
    const suffix = unique();
    const mystId = `myst-${suffix}`;
    const pairedId = `paired-${suffix}`;
    // A MyST notebook as jupytext writes it, the cell's id in its own metadata
    await upload(
      page,
      `${tmpPath}/notes.md`,
      [
        '---',
        'jupytext:',
        '  text_representation:',
        '    format_name: myst',
        'kernelspec:',
        '  name: python3',
        '  display_name: Python 3',
        '---',
        '',
        '# Notes',
        '',
        '```{code-cell} ipython3',
        `:id: ${mystId}`,
        '',
        `threshold_${suffix.replace(/\W/g, '_')} = 42`,
        '```',
        ''
      ].join('\n')
    );
    // A pair: analysis.py (the inputs, newer) beside analysis.ipynb (ids, outputs)
    const ipynb = notebook([
      {
        ...code(pairedId, 'print("old input")'),
        outputs: [
          {
            output_type: 'stream',
            name: 'stdout',
            text: [`paired output ${suffix}\n`]
          }
        ],
        execution_count: 1
      }
    ]);
    const withFormats = JSON.parse(ipynb);
    withFormats.metadata.jupytext = { formats: 'ipynb,py:percent' };
    await upload(
      page,
      `${tmpPath}/analysis.ipynb`,
      JSON.stringify(withFormats)
    );
    await upload(
      page,
      `${tmpPath}/analysis.py`,
      [
        '# ---',
        '# jupyter:',
        '#   jupytext:',
        '#     formats: ipynb,py:percent',
        '#     text_representation:',
        '#       format_name: percent',
        '# ---',
        '',
        `# %% id="${pairedId}"`,
        `print("new input ${suffix}")`,
        ''
      ].join('\n')
    );
    await indexed(page.request, mystId);
    await indexed(page.request, pairedId);
    // The pair is one notebook, at the .ipynb path
    const paired = await (
      await page.request.get(`/api/blocks/block/${pairedId}`)
    ).json();
    expect(paired.path).toBe(`${tmpPath}/analysis.ipynb`);

    const report = `${tmpPath}/report.ipynb`;
    await upload(
      page,
      report,
      notebook([
        markdown(
          `report-${suffix}`,
          `{{embed ((${mystId}))}}\n\n{{embed ((${pairedId}))}}`
        )
      ])
    );
    await openRendered(page, report);
    const panel = currentNotebook(page);
    const myst = panel.locator(`.jp-Blocks-embed[data-block-id="${mystId}"]`);
    await expect(myst.locator('.jp-Blocks-embedTitle')).toContainText(
      `${tmpPath}/notes.md`
    );
    await expect(myst.locator('.jp-Blocks-embedSource')).toContainText('= 42');
    const pair = panel.locator(`.jp-Blocks-embed[data-block-id="${pairedId}"]`);
    // Inputs from the newer text, outputs from the .ipynb
    await expect(pair.locator('.jp-Blocks-embedSource')).toContainText(
      `new input ${suffix}`
    );
    await expect(pair.locator('.jp-Blocks-embedOutputs')).toContainText(
      `paired output ${suffix}`
    );
  });
});
