import { expect, test } from '@jupyterlab/galata';

import {
  currentNotebook,
  indexed,
  markdown,
  notebook,
  openRendered,
  screenshotPath,
  unique,
  upload
} from './helpers';

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

test.describe('embedded markdown', () => {
  test('shows the images pasted into the embedded cell (attachments)', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    // A 1x1 PNG, pasted into a markdown cell of another notebook
    const png =
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    await upload(
      page,
      `${tmpPath}/pictures.ipynb`,
      notebook([
        {
          ...markdown(`pic-${run}`, 'A picture: ![dot](attachment:dot.png)'),
          attachments: { 'dot.png': { 'image/png': png } }
        }
      ])
    );
    await indexed(request, `pic-${run}`);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([markdown(`host-${run}`, `{{embed ((pic-${run}))}}`)])
    );
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const image = currentNotebook(page).locator(
      `.jp-Blocks-embed[data-block-id="pic-${run}"] img`
    );
    await expect(image).toHaveAttribute('src', /^data:image\/png;base64,/);
  });
});
