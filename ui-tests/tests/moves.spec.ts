import { expect, test } from '@jupyterlab/galata';

import {
  currentNotebook,
  indexed,
  markdown,
  notebook,
  openRendered,
  unique,
  upload
} from './helpers';

/**
 * The ids of a notebook's cells as saved on disk.
 */
async function savedIds(
  request: import('@playwright/test').APIRequestContext,
  path: string
): Promise<string[]> {
  const response = await request.get(`/api/contents/${path}?content=1`);
  const model = await response.json();
  return model.content.cells.map((cell: { id: string }) => cell.id);
}

async function save(page: import('@playwright/test').Page): Promise<void> {
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('docmanager:save')
  );
}

test.describe('moving a block keeps its id', () => {
  test('cut and paste moves a referenced markdown cell, in a notebook and to another; copy makes a new block', async ({
    page,
    request,
    tmpPath
  }) => {
    test.setTimeout(180_000);
    const run = unique();
    const [first, moved, other, last] = ['a', 'b', 'c', 'd'].map(
      x => `${x}-${run}`
    );
    const source = `${tmpPath}/source.ipynb`;
    const target = `${tmpPath}/target.ipynb`;
    await upload(
      page,
      source,
      notebook([
        markdown(first, '# First block'),
        markdown(moved, '# The moved block'),
        markdown(other, '# Another block'),
        markdown(last, '# Last block')
      ])
    );
    await upload(page, target, notebook([markdown(`t-${run}`, '# Target')]));
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([markdown(`host-${run}`, `See ((${moved})) and ((${other})).`)])
    );
    await indexed(request, moved);
    await indexed(request, `host-${run}`);

    // Inside one notebook: cut the referenced cell, paste it below the last one
    await openRendered(page, source);
    const cells = currentNotebook(page).locator('.jp-Cell');
    await cells.nth(1).click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('x');
    await expect(cells).toHaveCount(3);
    await cells.nth(2).click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('v');
    await expect(cells).toHaveCount(4);
    await save(page);
    await expect
      .poll(() => savedIds(request, source))
      .toEqual([first, other, last, moved]);
    await expect
      .poll(async () => {
        const r = await request.get(`/api/blocks/block/${moved}`);
        const block = await r.json();
        return [block.path, block.index, block.deleted];
      })
      .toEqual([source, 3, false]);

    // Copy and paste makes a new block: a new id, never two cells with one id
    await cells.nth(0).click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('c');
    await page.keyboard.press('v');
    await expect(cells).toHaveCount(5);
    await save(page);
    await expect
      .poll(async () => {
        const ids = await savedIds(request, source);
        return [ids.length, new Set(ids).size, ids[0], ids[1] !== first];
      })
      .toEqual([5, 5, first, true]);

    // To another notebook: cut there, paste here, save both
    await cells.nth(2).click(); // "Another block"
    await page.keyboard.press('Escape');
    await expect(cells.nth(2)).toContainText('Another block');
    await page.keyboard.press('x');
    await save(page);
    await openRendered(page, target);
    await currentNotebook(page).locator('.jp-Cell').first().click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('v');
    await save(page);
    await expect
      .poll(() => savedIds(request, target))
      .toEqual([`t-${run}`, other]);
    // A second paste of the same cut is a copy: a new id
    await page.keyboard.press('v');
    await save(page);
    await expect
      .poll(async () => {
        const ids = await savedIds(request, target);
        return [ids.length, ids[1], ids[2] !== other];
      })
      .toEqual([3, other, true]);

    // Every reference resolves to the moved cells, live
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const host = currentNotebook(page);
    await expect(
      host.locator(`.jp-Blocks-ref[data-block-id="${moved}"]`)
    ).toHaveText('The moved block');
    await expect(
      host.locator(`.jp-Blocks-ref[data-block-id="${other}"]`)
    ).toHaveText('Another block');
    await expect(host.locator('.jp-Blocks-ref.jp-mod-deleted')).toHaveCount(0);
    const block = await (
      await request.get(`/api/blocks/block/${other}`)
    ).json();
    expect([block.path, block.deleted]).toEqual([target, false]);
  });
});
