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

test.describe('untrusted outputs', () => {
  test('an embedded output from an untrusted notebook runs nothing', async ({
    page,
    request,
    tmpPath
  }) => {
    const id = `payload-${unique()}`;
    const html = [
      '<p>visible text</p>',
      '<img src="x" onerror="window.__blocksPwnedImg = 1">',
      '<script>window.__blocksPwnedScript = 1</script>'
    ].join('');
    await upload(
      page,
      `${tmpPath}/payload.ipynb`,
      notebook([
        {
          ...code(id, 'display(HTML(...))', [
            {
              output_type: 'display_data',
              metadata: {},
              data: { 'text/html': html, 'text/plain': 'fallback' }
            },
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'application/javascript': 'window.__blocksPwnedJs = 1',
                'text/plain': 'js fallback'
              }
            }
          ]),
          // A forged trust flag on disk changes nothing
          metadata: { trusted: true }
        }
      ])
    );
    await indexed(request, id);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([markdown(`host-${id}`, `{{embed ((${id})) outputs}}`)])
    );
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const embed = currentNotebook(page).locator(
      `.jp-Blocks-embed[data-block-id="${id}"]`
    );
    await expect(embed).toContainText('visible text');
    await expect(embed).toContainText('js fallback');
    await expect(embed).toContainText('untrusted');
    await page.waitForTimeout(500);
    const ran = await page.evaluate(() => [
      (window as any).__blocksPwnedImg,
      (window as any).__blocksPwnedScript,
      (window as any).__blocksPwnedJs
    ]);
    expect(ran).toEqual([undefined, undefined, undefined]);
  });
});
