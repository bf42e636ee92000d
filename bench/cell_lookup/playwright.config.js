/**
 * The cell lookup benchmark (BENCHMARKS.md, "Reaching a cell by id"): JupyterLab started
 * as for the galata suite, driven in Debian's Chromium. Run from the repository root:
 * `jlpm playwright test --config bench/cell_lookup/playwright.config.js`.
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  testDir: __dirname,
  testMatch: '*.bench.ts',
  outputDir: path.resolve(__dirname, '../../ui-tests/test-results/bench'),
  workers: 1,
  retries: 0,
  timeout: 1_200_000,
  reporter: [['line']],
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: 'jupyter lab --config jupyter_server_test_config.py',
    cwd: path.resolve(__dirname, '../../ui-tests'),
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: false
  }
};
