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

function stream(text: string) {
  return { output_type: 'stream', name: 'stdout', text };
}

test.describe('live embeds', () => {
  test('an embed follows its source cell when the source notebook is saved elsewhere', async ({
    page,
    request,
    tmpPath
  }) => {
    const id = `live-${unique()}`;
    const source = `${tmpPath}/source.ipynb`;
    await upload(
      page,
      source,
      notebook([code(id, 'print("hello")', [stream('first version\n')])])
    );
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(`host-${id}`, `Result:\n\n{{embed ((${id})) outputs}}`)
      ])
    );
    await indexed(request, id);
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const embed = currentNotebook(page).locator(
      `.jp-Blocks-embed[data-block-id="${id}"]`
    );
    await expect(embed).toContainText('first version');

    // When the source notebook is saved by someone else (another tab, the API, git)
    const requests: string[] = [];
    page.on('request', r => requests.push(r.url()));
    await upload(
      page,
      source,
      notebook([code(id, 'print("hello")', [stream('second version\n')])])
    );

    // Then the embed shows the new output without a reload
    await expect(embed).toContainText('second version', { timeout: 5000 });
    await expect(embed).not.toContainText('first version');
    expect(
      requests.filter(u => u.includes('/api/blocks/resolve'))
    ).toHaveLength(1);
  });
});
