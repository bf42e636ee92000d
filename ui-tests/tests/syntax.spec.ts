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
 * A DataFrame's HTML as pandas and nbformat write it on disk: a list of lines.
 */
const TABLE_LINES = [
  '<div>\n',
  '<style scoped>\n',
  '    .dataframe tbody tr th:only-of-type { vertical-align: middle; }\n',
  '</style>\n',
  '<table border="1" class="dataframe">\n',
  '  <thead><tr><th></th><th>total</th></tr></thead>\n',
  '  <tbody><tr><th>North</th><td>1234</td></tr></tbody>\n',
  '</table>\n',
  '</div>'
];

test.describe('what the page shows is what the index counts', () => {
  test('the demo table shows as a table, with no stray text', async ({
    page
  }) => {
    await openRendered(page, 'report.ipynb');
    const table = currentNotebook(page).locator(
      '.jp-Blocks-embed[data-block-id="summary-table"] .jp-Blocks-embedOutputs'
    );
    await expect(table.locator('table')).toBeVisible();
    // No row of commas from a list of lines shown as text
    const stray = await table.evaluate(node =>
      [...node.querySelectorAll('*')]
        .flatMap(el => [...el.childNodes])
        .filter(
          n => n.nodeType === Node.TEXT_NODE && /,\s*,/.test(n.textContent!)
        )
        .map(n => n.textContent)
    );
    expect(stray).toEqual([]);

    // The hover preview of that block (referenced from the notes) shows the table
    await openRendered(page, 'notes/index.ipynb');
    await currentNotebook(page)
      .locator('.jp-Blocks-ref[data-block-id="summary-table"]')
      .first()
      .hover();
    const preview = page.locator('.jp-Blocks-preview');
    await expect(preview.locator('table')).toBeVisible();
    const previewText = await preview
      .locator('.jp-Blocks-embedOutputs')
      .innerText();
    expect(previewText).not.toMatch(/,\s*,/);
  });

  test('a table output written as a list of lines renders as a table', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    await upload(
      page,
      `${tmpPath}/table.ipynb`,
      notebook([
        code(`tbl-${run}`, 'summary', [
          {
            output_type: 'execute_result',
            execution_count: 1,
            metadata: {},
            data: {
              'text/html': TABLE_LINES,
              'text/plain': ['total\n', '1234']
            }
          }
        ])
      ])
    );
    await indexed(request, `tbl-${run}`);
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(
          `host-${run}`,
          `{{embed ((tbl-${run})) outputs}}\n\n((tbl-${run}))`
        )
      ])
    );
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const embed = currentNotebook(page).locator(
      `.jp-Blocks-embed[data-block-id="tbl-${run}"]`
    );
    await expect(embed.locator('table td')).toHaveText('1234');
    await expect(embed).not.toContainText(',');
    await currentNotebook(page)
      .locator(`.jp-Blocks-ref[data-block-id="tbl-${run}"]`)
      .hover();
    const preview = page.locator('.jp-Blocks-preview');
    await expect(preview.locator('table td')).toHaveText('1234');
    await expect(preview.locator('.jp-Blocks-embedOutputs')).not.toContainText(
      ','
    );
  });

  test('references in raw HTML, tables and link text render and are backlinks; escaped syntax is text', async ({
    page,
    request,
    tmpPath
  }) => {
    const run = unique();
    const target = `target-${run}`;
    await upload(
      page,
      `${tmpPath}/target.ipynb`,
      notebook([markdown(target, '# The target block')])
    );
    await upload(
      page,
      `${tmpPath}/_scratch_.ipynb`,
      notebook([markdown(`scratch-${run}`, 'scratch')])
    );
    await indexed(request, target);
    const host = `host-${run}`;
    await upload(
      page,
      `${tmpPath}/host.ipynb`,
      notebook([
        markdown(
          host,
          [
            `<div>Source table: ((${target}))</div>`,
            '',
            '| where | what |',
            '|---|---|',
            `| table | ((${target})) |`,
            '',
            `[the link text ((${target}))](https://example.org)`,
            '',
            `Escaped: \\(\\(${target})) and \\[[other.ipynb]]`,
            '',
            `Underscores: [[${tmpPath}/_scratch_.ipynb]]`
          ].join('\n')
        )
      ])
    );
    await indexed(request, host);
    await openRendered(page, `${tmpPath}/host.ipynb`);
    const cell = currentNotebook(page).locator('.jp-MarkdownCell').first();
    const refs = cell.locator(`.jp-Blocks-ref[data-block-id="${target}"]`);
    await expect(refs).toHaveCount(3);
    await expect(refs.first()).toHaveText('The target block');
    // The raw HTML div holds the first one
    await expect(refs.first().locator('xpath=..')).toHaveText(
      'Source table: The target block'
    );
    await expect(cell.locator('td .jp-Blocks-ref')).toHaveCount(1);
    // Escaped syntax is plain text
    await expect(cell).toContainText(
      `Escaped: ((${target})) and [[other.ipynb]]`
    );
    // _ inside [[...]] is part of the name, not emphasis
    const link = cell.locator('.jp-Blocks-notebookLink');
    await expect(link).toHaveText('_scratch_');
    await expect(cell.locator('em')).toHaveCount(0);

    // The backlinks panel of the target lists the host cell, as the index counts it
    const backlinks = await request.get(`/api/blocks/backlinks/${target}`);
    const links = (await backlinks.json()).backlinks;
    expect(links.map((b: { id: string }) => b.id)).toEqual([host]);
    await openRendered(page, `${tmpPath}/target.ipynb`);
    await currentNotebook(page).locator('.jp-Cell').first().click();
    await page.evaluate(() =>
      window.jupyterapp.commands.execute('jupyter-blocks:show-backlinks')
    );
    await expect(
      page.locator(
        `#jupyter-blocks-backlinks .jp-Blocks-cellBacklinks .jp-Blocks-backlink[data-block-id="${host}"]`
      )
    ).toHaveCount(1);
  });
});
