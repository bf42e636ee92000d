import { expect, test } from '@jupyterlab/galata';

import { currentNotebook, openRendered, screenshotPath } from './helpers';

test.describe('reference count badges', () => {
  test('a referenced cell shows how many blocks reference it, others none', async ({
    page
  }) => {
    await openRendered(page, 'data/sales.ipynb');
    const cells = currentNotebook(page).locator('.jp-Cell');
    const plot = cells
      .filter({ hasText: 'Monthly units sold, by region' })
      .first();
    const load = cells
      .filter({ hasText: 'Build a small, seeded sales dataset' })
      .first();
    const next = cells
      .filter({ hasText: 'Next: is there a seasonal pattern' })
      .first();
    await expect(plot.locator('.jp-Blocks-badge')).toHaveText('3');
    await expect(load.locator('.jp-Blocks-badge')).toHaveText('2');
    await expect(next.locator('.jp-Blocks-badge')).toHaveCount(0);

    // Clicking a badge opens the backlinks of that cell
    await plot.locator('.jp-Blocks-badge').click();
    const panel = page.locator('#jupyter-blocks-backlinks');
    await expect(panel.locator('.jp-Blocks-cellBacklinks h3')).toHaveText(
      'This cell (4): 3'
    );
    await page.screenshot({
      path: screenshotPath('backlinks.png')
    });
  });
});
