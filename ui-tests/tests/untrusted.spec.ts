import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import {
  code,
  currentNotebook,
  indexed,
  markdown,
  notebook,
  openRendered,
  saveTrusted,
  unique,
  upload
} from './helpers';

/**
 * The payload set every path from notebook text to HTML is tested with (the export
 * tests in pytest render the same file). Each payload, if it ran, would set a global
 * window.__pwn_<name>.
 */
const PAYLOADS = JSON.parse(
  fs.readFileSync(
    path.resolve(__dirname, '../../spec/script-payloads.json'),
    'utf-8'
  )
) as Record<'html' | 'markdown', { name: string; text: string }[]>;
const HTML = PAYLOADS.html.map(p => p.text).join('\n');
const MARKDOWN = PAYLOADS.markdown.map(p => p.text).join('\n\n');

test.describe('one sanitizing policy for every view of a block', () => {
  test('payloads run nothing in embeds, previews, the backlinks panel and completion', async ({
    page,
    request,
    tmpPath
  }) => {
    test.setTimeout(240_000);
    const run = unique();
    const out = `pwn-out-${run}`;
    const md = `pwn-md-${run}`;
    const trustedMd = `pwn-trusted-${run}`;
    await upload(
      page,
      `${tmpPath}/payload.ipynb`,
      notebook([
        {
          ...code(out, 'display(HTML(...))', [
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'text/html': `<p>visible text</p>${HTML}`,
                'text/plain': 'fallback'
              }
            },
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'application/javascript': 'window.__pwn_js = 1',
                'text/plain': 'js fallback'
              }
            },
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'image/svg+xml':
                  '<svg onload="window.__pwn_svgmime = 1"></svg>',
                'text/plain': 'svg fallback'
              }
            }
          ]),
          // A trust flag forged on disk changes nothing
          metadata: { trusted: true }
        },
        {
          ...markdown(
            md,
            `Markdown payloads pwnword\n\n${HTML}\n\n${MARKDOWN}`
          ),
          attachments: {
            'x.svg': {
              'image/svg+xml':
                '<svg onload="window.__pwn_attachment = 1"></svg>'
            }
          }
        }
      ])
    );
    // A notebook saved through Jupyter as a notebook is signed: trusted. Its markdown
    // is still sanitized when embedded, as JupyterLab renders markdown cells.
    await saveTrusted(
      page,
      `${tmpPath}/trusted.ipynb`,
      notebook([markdown(trustedMd, `Trusted markdown\n\n${HTML}`)])
    );
    await indexed(request, out);
    await indexed(request, trustedMd);
    expect(
      (await (await request.get(`/api/blocks/block/${trustedMd}`)).json())
        .trusted
    ).toBe(true);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(
          `host-${run}`,
          [
            `See ((${out})), ((${md})) and ((${trustedMd})).`,
            '',
            `{{embed ((${out}))}}`,
            '',
            `{{embed ((${md}))}}`,
            '',
            `{{embed ((${trustedMd}))}}`,
            '',
            `{{embed ((${out})) outputs[0]}}`
          ].join('\n')
        ),
        markdown(`writer-${run}`, '')
      ])
    );
    await indexed(request, `host-${run}`);
    const fired: string[] = [];
    await page.exposeFunction('__blocksCommand', (id: string) =>
      fired.push(id)
    );
    await page.evaluate(() =>
      window.jupyterapp.commands.commandExecuted.connect((_, args) =>
        (window as any).__blocksCommand(args.id)
      )
    );
    // Every payload a person could click (one not shown cannot be clicked: waiting
    // for it to show cost 2 s each and took the test past its time on a slow machine)
    const clickPayloads = async (scope: ReturnType<typeof page.locator>) => {
      for (const target of await scope.locator('.pwn').all()) {
        if (!(await target.isVisible())) {
          continue;
        }
        await target
          .click({ force: true, noWaitAfter: true, timeout: 2000 })
          .catch(() => 0);
      }
    };

    // Embeds
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const host = currentNotebook(page);
    const embed = host
      .locator(`.jp-Blocks-embed[data-block-id="${out}"]`)
      .first();
    await expect(embed).toContainText('visible text');
    await expect(embed).toContainText('js fallback');
    await expect(embed).toContainText('svg fallback');
    await expect(
      embed.locator('.jp-Blocks-label', { hasText: 'untrusted' })
    ).toBeVisible();
    await expect(
      host.locator(`.jp-Blocks-embed[data-block-id="${md}"]`)
    ).toContainText('Markdown payloads');
    await expect(
      host.locator(`.jp-Blocks-embed[data-block-id="${trustedMd}"]`)
    ).toContainText('Trusted markdown');
    await clickPayloads(host);
    await page.waitForTimeout(1000);

    // Hover previews of each referenced block
    for (const id of [out, md, trustedMd]) {
      await host
        .locator(`.jp-Blocks-ref[data-block-id="${id}"]`)
        .first()
        .hover();
      const preview = page.locator('.jp-Blocks-preview');
      await expect(preview.locator('.jp-Blocks-embedTitle')).toBeVisible();
      await preview.hover(); // the preview stays while the pointer is on it
      await clickPayloads(preview);
      await page.mouse.move(0, 0);
      await expect(preview).toHaveCount(0);
    }

    // The backlinks panel of the payload block lists the host cell as text
    await openRendered(page, `${tmpPath}/payload.ipynb`);
    await currentNotebook(page).locator('.jp-Cell').nth(1).click();
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-backlinks')
    );
    const panel = page.locator('#jupyter-blocks-backlinks');
    await expect(panel.locator('.jp-Blocks-backlink').first()).toBeVisible();
    await clickPayloads(panel);

    // Completion shows the payload block's text as text
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const writer = currentNotebook(page).locator('.jp-Cell').nth(1);
    await writer.click();
    await page.keyboard.press('Enter');
    await page.keyboard.type('((pwnword');
    const list = page.locator('.cm-tooltip-autocomplete');
    await expect(list).toBeVisible();
    await clickPayloads(list);
    await page.keyboard.press('Escape');

    await page.waitForTimeout(500);
    const ran = await page.evaluate(() =>
      Object.keys(window).filter(key => key.startsWith('__pwn_'))
    );
    expect(ran).toEqual([]);
    expect(fired.filter(command => command === 'help:about')).toEqual([]);
    expect(await page.evaluate(() => typeof window.jupyterapp.commands)).toBe(
      'object'
    );
    expect(await page.evaluate(() => document.body.tagName)).toBe('BODY');
  });
});
