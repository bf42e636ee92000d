import { expect, test } from '@jupyterlab/galata';

import {
  indexed,
  markdown,
  notebook,
  openRendered,
  unique,
  upload
} from './helpers';

test.describe('unlinked references', () => {
  test('the Link action turns a mention into a link that then shows as a backlink', async ({
    page,
    tmpPath
  }) => {
    // Given a notebook titled "Moon Phases <u>", and another that names it in prose
    // (and once in code, which does not count)
    const u = unique();
    const title = `Moon Phases ${u}`;
    const target = `${tmpPath}/almanac.ipynb`;
    const diary = `${tmpPath}/diary.ipynb`;
    await upload(
      page,
      target,
      notebook([
        markdown(`almanac-${u}`, `# ${title}\n\nWhen the moon is full.`)
      ])
    );
    await upload(
      page,
      diary,
      notebook([
        markdown(
          `diary-${u}`,
          `Tonight I read moon phases ${u} again.\n\nNot \`${title}\` in code.`
        )
      ])
    );
    await indexed(page.request, `diary-${u}`);

    // When the notebook is open and its backlinks panel shows
    await openRendered(page, target);
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-backlinks')
    );
    const panel = page.locator('#jupyter-blocks-backlinks');
    const unlinked = panel.locator(
      `.jp-Blocks-notebookUnlinked .jp-Blocks-unlinkedEntry[data-path="${diary}"]`
    );
    // Then the prose mention is listed once, the one in code not at all
    await expect(unlinked).toHaveCount(1);
    await expect(unlinked.locator('mark')).toHaveText(`moon phases ${u}`);
    await expect(
      panel.locator(
        `.jp-Blocks-notebookBacklinks .jp-Blocks-backlinksGroup[data-path="${diary}"]`
      )
    ).toHaveCount(0);

    // When Link is clicked (the diary is not open: the server writes it)
    await unlinked.getByRole('button', { name: 'Link' }).click();

    // Then the diary links the notebook, which shows as a backlink, no longer unlinked
    await expect(
      panel.locator(
        `.jp-Blocks-notebookBacklinks .jp-Blocks-backlinksGroup[data-path="${diary}"]`
      )
    ).toContainText('Tonight I read');
    await expect(unlinked).toHaveCount(0);
    const saved = await page.request.get(`/api/contents/${diary}`);
    const cells = (await saved.json()).content.cells;
    expect(cells[0].source).toBe(
      `Tonight I read [[${target}]] again.\n\nNot \`${title}\` in code.`
    );
  });

  test('in a notebook that is open, Link edits its model and saves it', async ({
    page,
    tmpPath
  }) => {
    const u = unique();
    const target = `${tmpPath}/tides.ipynb`;
    const log = `${tmpPath}/log.ipynb`;
    await upload(
      page,
      target,
      notebook([markdown(`tides-${u}`, `# Tide Tables ${u}\n\nHigh and low.`)])
    );
    await upload(
      page,
      log,
      notebook([markdown(`log-${u}`, `Checked the tide tables ${u} at dawn.`)])
    );
    await indexed(page.request, `log-${u}`);
    // Given the mentioning notebook open in a tab (no kernel: one would fill in the
    // notebook's language metadata, leaving it with unsaved changes), and the
    // mentioned one active
    await page.evaluate(async path => {
      await window.jupyterapp.commands.execute('docmanager:open', {
        path,
        kernelPreference: { shouldStart: false }
      });
    }, log);
    await expect(
      page.locator('.lm-TabBar-tab', { hasText: 'log.ipynb' })
    ).toBeVisible();
    await openRendered(page, target);
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-backlinks')
    );
    const panel = page.locator('#jupyter-blocks-backlinks');
    const unlinked = panel.locator(
      `.jp-Blocks-notebookUnlinked .jp-Blocks-unlinkedEntry[data-path="${log}"]`
    );
    // When Link is clicked
    await unlinked.getByRole('button', { name: 'Link' }).click();
    // Then the open notebook holds the link (its model, saved), and it is a backlink
    await expect(
      panel.locator(
        `.jp-Blocks-notebookBacklinks .jp-Blocks-backlinksGroup[data-path="${log}"]`
      )
    ).toContainText('at dawn');
    const saved = await page.request.get(`/api/contents/${log}`);
    expect((await saved.json()).content.cells[0].source).toBe(
      `Checked the [[${target}]] at dawn.`
    );
    await expect(
      page.locator('.lm-TabBar-tab', { hasText: 'log.ipynb' })
    ).not.toHaveClass(/jp-mod-dirty/);
  });
});
