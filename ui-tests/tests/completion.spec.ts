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
    await page.keyboard.type('Planets: ((transit planets discov');
    const list = page.locator('.cm-tooltip-autocomplete');
    await expect(list).toBeVisible();
    await expect(list.locator('li').first()).toContainText(
      'Transit planets discovered'
    );
    await expect(list.locator('li').first()).toContainText('survey-4.4.ipynb');
    await page.keyboard.press('Enter'); // pick the first
    await expect(cell.locator('.cm-content')).toContainText(
      /Planets: \(\([A-Za-z0-9_-]+\)\)/
    );
    await page.keyboard.press('Shift+Enter'); // render
    await expect(
      currentNotebook(page).locator('.jp-Blocks-ref').first()
    ).toContainText('Transit planets discovered');
  });
});
