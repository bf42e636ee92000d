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

test.describe('Labels and renames', () => {
  test('Set Block Label names a cell, and (( completion offers the label first', async ({
    page,
    tmpPath
  }) => {
    const suffix = unique();
    const id = `labelled-${suffix}`;
    const path = `${tmpPath}/labels.ipynb`;
    await upload(
      page,
      path,
      notebook([
        code(id, `# Quarterly widget sales ${suffix}\nsales = 1`),
        markdown(`writer-${suffix}`, '')
      ])
    );
    await indexed(page.request, id);
    await openRendered(page, path);
    const cells = currentNotebook(page).locator('.jp-Cell');
    await cells.first().click();
    // Not awaited: the command runs until its dialog is answered.
    await page.evaluate(() => {
      void window.jupyterapp.commands.execute('jupyter-blocks:set-label');
    });
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('Set Block Label');
    const label = `fig-widgets-${suffix}`;
    await dialog.locator('input').fill(label);
    await dialog.locator('.jp-mod-accept').click();
    // The label is in the cell, in the form Quarto and MyST read
    await expect(cells.first().locator('.cm-content')).toContainText(
      `#| label: ${label}`
    );
    await page.keyboard.press('Control+s');
    await expect
      .poll(
        async () =>
          (await (await page.request.get(`/api/blocks/block/${label}`)).json())
            .id,
        { timeout: 15000 }
      )
      .toBe(id);
    // Typing (( and a word of the block offers it, by its label, first
    await cells.nth(1).click();
    await page.keyboard.press('Enter');
    await page.keyboard.type(`See ((widget sales ${suffix}`);
    const list = page.locator('.cm-tooltip-autocomplete');
    await expect(list.locator('li').first()).toContainText(label);
    // The list settles (its query answered, the first option selected) before Enter
    // picks it: an Enter while it is being replaced would only end the line.
    await expect(list.locator('li[aria-selected="true"]')).toContainText(label);
    await page.waitForTimeout(300);
    await expect(list.locator('li[aria-selected="true"]')).toContainText(label);
    await page.keyboard.press('Enter');
    await expect(cells.nth(1).locator('.cm-content')).toContainText(
      `See ((${label}))`
    );
  });

  test('renaming a notebook in the file browser updates a link in another open notebook', async ({
    page,
    tmpPath
  }) => {
    const suffix = unique();
    await upload(
      page,
      `${tmpPath}/target-${suffix}.ipynb`,
      notebook([markdown(`target-${suffix}`, '# The target')])
    );
    await upload(
      page,
      `${tmpPath}/linker.ipynb`,
      notebook([
        markdown(
          `linker-${suffix}`,
          `Read [[${tmpPath}/target-${suffix}.ipynb]].`
        )
      ])
    );
    await upload(
      page,
      `${tmpPath}/closed.ipynb`,
      notebook([
        markdown(
          `closed-${suffix}`,
          `Also [[${tmpPath}/target-${suffix}.ipynb]]`
        )
      ])
    );
    await indexed(page.request, `linker-${suffix}`);
    await indexed(page.request, `closed-${suffix}`);
    await openRendered(page, `${tmpPath}/linker.ipynb`);
    // Rename the target in the file browser, as a user does
    await page.filebrowser.openDirectory(tmpPath);
    const item = page.locator(
      `.jp-DirListing-item[title^="Name: target-${suffix}.ipynb"]`
    );
    await item.click({ button: 'right' });
    await page.locator('.lm-Menu-item:has-text("Rename")').first().click();
    const editor = page.locator('.jp-DirListing-editor');
    await editor.fill(`renamed-${suffix}.ipynb`);
    await editor.press('Enter');
    // The open notebook shows the new link (an edit of its model), and the user is told
    await expect(
      page.locator('.jp-toast-message', { hasText: 'Links now name' })
    ).toContainText(
      `Links now name renamed-${suffix}.ipynb (was target-${suffix}.ipynb): 2 cell(s) in 2 notebook(s) updated.`
    );
    await expect(
      currentNotebook(page).locator('.jp-Cell').first()
    ).toContainText(`renamed-${suffix}`);
    const source = async (name: string) =>
      (
        await (
          await page.request.get(`/api/contents/${tmpPath}/${name}`)
        ).json()
      ).content.cells[0].source;
    // The closed notebook was written by the server
    expect(await source('closed.ipynb')).toContain(
      `[[${tmpPath}/renamed-${suffix}.ipynb]]`
    );
    // The open one is saved by the user, with no conflict
    await currentNotebook(page).locator('.jp-Cell').first().click();
    await page.keyboard.press('Control+s');
    await expect
      .poll(() => source('linker.ipynb'), { timeout: 10000 })
      .toContain(`[[${tmpPath}/renamed-${suffix}.ipynb]]`);
    await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  });
});
