import { expect, test } from '@jupyterlab/galata';

import { openRendered, screenshotPath } from './helpers';

test.describe('references and embeds in the demo', () => {
  test('a reference shows its block, an embed shows its outputs', async ({
    page
  }) => {
    await openRendered(page, 'report.ipynb');
    const notebook = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');

    // ((sales-plot)) shows the first line of the plot cell, as a link
    const ref = notebook
      .locator('.jp-Blocks-ref[data-block-id="sales-plot"]')
      .first();
    await expect(ref).toHaveText('Monthly units sold, by region');

    // {{embed ((sales-plot))}} shows the plot cell's source and its image, naming its notebook
    const plot = notebook.locator(
      '.jp-Blocks-embed[data-block-id="sales-plot"]'
    );
    await expect(plot.locator('.jp-Blocks-embedTitle')).toContainText(
      'data/sales.ipynb'
    );
    await expect(plot.locator('.jp-Blocks-embedSource')).toContainText(
      'plt.subplots'
    );
    await expect(plot.locator('.jp-Blocks-embedOutputs img')).toBeVisible();

    // {{embed ((summary-table)) outputs}} shows the table alone
    const table = notebook.locator(
      '.jp-Blocks-embed[data-block-id="summary-table"]'
    );
    await expect(table.locator('.jp-Blocks-embedOutputs table')).toBeVisible();
    await expect(table.locator('.jp-Blocks-embedSource')).toHaveCount(0);

    // Decoys in code are left as written
    await expect(
      notebook.locator('code', { hasText: '((sales-plot))' }).first()
    ).toBeVisible();

    // The README's picture: the demo's "trend" cell with its embed
    const cell = notebook.locator('.jp-Cell', {
      has: page.locator('.jp-Blocks-embed[data-block-id="sales-plot"]')
    });
    await cell.evaluate(node => node.scrollIntoView({ block: 'start' }));
    const box = (await cell.boundingBox())!;
    await page.screenshot({
      path: screenshotPath('embed.png'),
      clip: {
        x: box.x,
        y: Math.max(0, box.y),
        width: box.width,
        height: Math.min(box.height, 700)
      }
    });
  });
});
