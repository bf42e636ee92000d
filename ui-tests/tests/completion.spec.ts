import { expect, test } from '@jupyterlab/galata';

import {
  currentNotebook,
  markdown,
  notebook,
  openRendered,
  upload
} from './helpers';

test.describe('(( autocomplete', () => {
  test('typing (( and a phrase offers blocks; the keyboard picks one and it resolves', async ({
    page,
    tmpPath
  }) => {
    const target = `${tmpPath}/writing.ipynb`;
    await upload(page, target, notebook([markdown('writing-1', '')]));
    await openRendered(page, target);
    const cell = currentNotebook(page).locator('.jp-Cell').first();
    await cell.click();
    await page.keyboard.press('Enter'); // edit mode
    await page.keyboard.type('Planets: ((extrasolar planets discov');
    const list = page.locator('.cm-tooltip-autocomplete');
    await expect(list).toBeVisible();
    await expect(list.locator('li').first()).toContainText(
      'extrasolar planets'
    );
    await expect(list.locator('li').first()).toContainText(
      '03.08-Aggregation-and-Grouping.ipynb'
    );
    await page.keyboard.press('Enter'); // pick the first
    await expect(cell.locator('.cm-content')).toContainText(
      /Planets: \(\([A-Za-z0-9_-]+\)\)/
    );
    await page.keyboard.press('Shift+Enter'); // render
    await expect(
      currentNotebook(page).locator('.jp-Blocks-ref').first()
    ).toContainText('extrasolar planets discovered');
  });
});
