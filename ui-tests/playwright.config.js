/**
 * galata configuration: JupyterLab started by jupyter_server_test_config.py, driven in
 * Debian's Chromium (Playwright cannot download its own browser on our machines).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

module.exports = {
  ...baseConfig,
  // One worker: the server and its index are shared, and CI has two cores.
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: [[process.env.CI ? 'list' : 'line']],
  use: {
    ...baseConfig.use,
    video: 'off',
    trace: 'retain-on-failure',
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
    command: 'jlpm start',
    url: 'http://localhost:8888/lab',
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
