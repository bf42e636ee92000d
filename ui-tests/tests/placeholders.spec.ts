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

test.describe('placeholders', () => {
  test('unknown, deleted and cyclic blocks each say so, with their id', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    const gone = `gone-${run}`;
    const a = `cycle-a-${run}`;
    const b = `cycle-b-${run}`;
    // A block that existed, then was deleted from its notebook
    await upload(
      page,
      `${tmpPath}/old.ipynb`,
      notebook([markdown(gone, '# Last words')])
    );
    await indexed(request, gone);
    await upload(
      page,
      `${tmpPath}/old.ipynb`,
      notebook([markdown(`kept-${run}`, 'Other')])
    );
    await indexed(request, gone, true);
    // Two notebooks that embed each other
    await upload(
      page,
      `${tmpPath}/a.ipynb`,
      notebook([markdown(a, `A embeds B:\n\n{{embed ((${b}))}}`)])
    );
    await upload(
      page,
      `${tmpPath}/b.ipynb`,
      notebook([markdown(b, `B embeds A:\n\n{{embed ((${a}))}}`)])
    );
    await indexed(request, b);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(`h1-${run}`, `Unknown: ((no-such-${run}))`),
        markdown(`h2-${run}`, `Deleted: ((${gone}))\n\n{{embed ((${gone}))}}`),
        markdown(`h3-${run}`, `{{embed ((${a}))}}`)
      ])
    );
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const nb = currentNotebook(page);

    const missing = nb.locator('.jp-Blocks-missing');
    await expect(missing).toContainText(`block not found: no-such-${run}`);
    await expect(missing.locator('code')).toHaveText(`no-such-${run}`);

    const deletedRef = nb.locator(
      `.jp-Blocks-ref.jp-mod-deleted[data-block-id="${gone}"]`
    );
    await expect(deletedRef).toContainText('deleted block');
    await expect(deletedRef).toContainText('Last words');
    const deletedEmbed = nb.locator(
      `.jp-Blocks-embed.jp-mod-deleted[data-block-id="${gone}"]`
    );
    await expect(deletedEmbed).toContainText('# Last words');
    await expect(deletedEmbed).toContainText(`${tmpPath}/old.ipynb`);

    // A embeds B embeds A: B's embed of A stops with a cycle marker
    const cycle = nb.locator('.jp-Blocks-marker.jp-mod-cycle');
    await expect(cycle).toContainText('cycle');
    await expect(cycle.locator('code')).toHaveText(a);
  });
});
