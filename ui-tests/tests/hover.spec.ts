import { expect, test } from '@jupyterlab/galata';

import { currentNotebook, openRendered } from './helpers';

test.describe('hover preview', () => {
  test('resting on a reference shows its block and notebook', async ({
    page
  }) => {
    await openRendered(page, 'report.ipynb');
    await currentNotebook(page)
      .locator('.jp-Blocks-ref[data-block-id="sales-load"]')
      .first()
      .hover();
    const preview = page.locator('.jp-Blocks-preview');
    await expect(preview).toBeVisible();
    await expect(preview.locator('.jp-Blocks-embedTitle')).toContainText(
      'data/sales.ipynb'
    );
    await expect(preview).toContainText('Build a small, seeded sales dataset');
    await page.mouse.move(0, 0);
    await expect(preview).toHaveCount(0);
  });
});
