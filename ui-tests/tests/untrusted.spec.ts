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

/**
 * Each payload sets a global of its own if it ever runs.
 */
const HTML_PAYLOADS: [string, string][] = [
  ['script', '<script>window.__pwn_script = 1</script>'],
  ['img', '<img src="x" onerror="window.__pwn_img = 1">'],
  ['svg', '<svg onload="window.__pwn_svg = 1"><circle r="5"></circle></svg>'],
  [
    'form',
    '<form action="javascript:window.__pwn_form = 1"><button id="pwn-submit">send</button></form>'
  ],
  [
    'link',
    '<a id="pwn-link" href="javascript:window.__pwn_link = 1">a link</a>'
  ],
  [
    'iframe',
    '<iframe srcdoc="<script>parent.__pwn_iframe = 1</script>"></iframe>'
  ],
  [
    'select',
    '<select><iframe srcdoc="<script>parent.__pwn_select = 1</script>"></iframe></select>'
  ],
  ['details', '<details open ontoggle="window.__pwn_details = 1">x</details>'],
  [
    'commandlinker',
    '<button id="pwn-command" data-commandlinker-command="help:about">about</button>'
  ],
  [
    'clobber',
    '<a id="jupyterapp" name="jupyterapp">x</a><form name="body"></form>'
  ]
];

test.describe('untrusted outputs', () => {
  test('payloads in an untrusted notebook run nothing when embedded elsewhere', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    const id = `payload-${run}`;
    const md = `payload-md-${run}`;
    const html = HTML_PAYLOADS.map(([, payload]) => payload).join('\n');
    await upload(
      page,
      `${tmpPath}/payload.ipynb`,
      notebook([
        {
          ...code(id, 'display(HTML(...))', [
            {
              output_type: 'display_data',
              metadata: {},
              data: {
                'text/html': `<p>visible text</p>${html}`,
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
          ...markdown(md, `Markdown payloads:\n\n${html}`),
          attachments: {
            'x.svg': {
              'image/svg+xml':
                '<svg onload="window.__pwn_attachment = 1"></svg>'
            }
          }
        }
      ])
    );
    await indexed(request, id);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(
          `host-${run}`,
          `{{embed ((${id})) outputs}}\n\n{{embed ((${md}))}}`
        )
      ])
    );
    const fired: string[] = [];
    await page.exposeFunction('__blocksCommand', (id: string) =>
      fired.push(id)
    );
    await page.evaluate(() =>
      window.jupyterapp.commands.commandExecuted.connect((_, args) =>
        (window as any).__blocksCommand(args.id)
      )
    );

    await openRendered(page, `${tmpPath}/host.ipynb`);
    const embed = currentNotebook(page).locator(
      `.jp-Blocks-embed[data-block-id="${id}"]`
    );
    await expect(embed).toContainText('visible text');
    await expect(embed).toContainText('js fallback');
    await expect(embed).toContainText('svg fallback');
    await expect(
      embed.locator('.jp-Blocks-label', { hasText: 'untrusted' })
    ).toBeVisible();
    await expect(
      currentNotebook(page).locator(`.jp-Blocks-embed[data-block-id="${md}"]`)
    ).toContainText('Markdown payloads');

    // Clicking what a user might click runs nothing either
    for (const selector of ['#pwn-link', '#pwn-submit', '#pwn-command']) {
      const target = embed.locator(selector);
      if (await target.count()) {
        await target.first().click({ force: true });
      }
    }
    await page.waitForTimeout(500);
    const ran = await page.evaluate(() =>
      Object.keys(window).filter(key => key.startsWith('__pwn_'))
    );
    expect(ran).toEqual([]);
    expect(fired.filter(command => command === 'help:about')).toEqual([]);
    expect(await page.evaluate(() => typeof window.jupyterapp.commands)).toBe(
      'object'
    );
  });
});
