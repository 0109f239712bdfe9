// The three browser engines a class brings, driven the one way all of them allow: W3C WebDriver,
// through selenium-webdriver, against a driver process started here (never Selenium Manager,
// which would download one). Chromium with Debian's chromedriver, Firefox ESR with geckodriver
// (cargo install), and WebKitGTK's MiniBrowser with WebKitWebDriver under Xvfb, once with
// SharedArrayBuffer on (JSC_useSharedArrayBuffer=1, as Safari on macOS has it) and once as
// Debian ships it (no shared memory: the fallback path).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Builder, Key } from 'selenium-webdriver';

const WEBKIT_DIR = ['/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1', '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1']
  .find((dir) => fs.existsSync(path.join(dir, 'MiniBrowser')));
const GECKODRIVER = process.env.GECKODRIVER ?? path.join(os.homedir(), '.cargo/bin/geckodriver');

/** Every engine the suite runs, with what it should offer. */
export const ENGINES = [
  {
    name: 'chromium',
    threads: true,
    driver: process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver',
    capabilities: {
      browserName: 'chrome',
      'goog:chromeOptions': {
        binary: process.env.CHROMIUM ?? '/usr/bin/chromium',
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic',
          '--disable-background-networking', '--disable-component-update', '--disable-sync',
          '--no-first-run'],
      },
    },
  },
  {
    name: 'firefox',
    threads: true,
    driver: GECKODRIVER,
    capabilities: {
      browserName: 'firefox',
      'moz:firefoxOptions': {
        binary: process.env.FIREFOX ?? '/usr/bin/firefox-esr',
        args: ['-headless'],
        prefs: {
          // Nothing this sandbox cannot reach: updates, telemetry, remote settings.
          'app.update.disabledForTesting': true,
          'network.captive-portal-service.enabled': false,
          'network.connectivity-service.enabled': false,
          'datareporting.policy.dataSubmissionEnabled': false,
          'toolkit.telemetry.reportingpolicy.firstRun': false,
          'browser.safebrowsing.update.enabled': false,
        },
      },
    },
  },
  {
    name: 'webkit',
    threads: true,
    display: true,
    driver: '/usr/bin/WebKitWebDriver',
    env: { JSC_useSharedArrayBuffer: '1' },
    capabilities: webkit(),
  },
  {
    name: 'webkit-no-shared-memory',
    threads: false,
    display: true,
    driver: '/usr/bin/WebKitWebDriver',
    env: {},
    capabilities: webkit(),
  },
];

function webkit() {
  return {
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': {
      binary: path.join(WEBKIT_DIR ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1', 'MiniBrowser'),
      args: ['--automation'],
    },
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, child, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the driver exited with ${child.exitCode}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the driver did not listen on ${port} within ${ms} ms`);
}

/** An X display for WebKitGTK, which has no headless mode: Xvfb picks a free number. */
async function startXvfb() {
  const child = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  const display = await new Promise((resolve, reject) => {
    child.stdout.once('data', (data) => resolve(`:${String(data).trim()}`));
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}`)));
  });
  return { display, stop: () => child.kill() };
}

/**
 * Starts `engine`'s driver and a session in it. Returns { driver, stop() }; stop() ends the
 * session, the driver process and any Xvfb.
 */
export async function startEngine(engine) {
  const port = await freePort();
  const env = { ...process.env, ...(engine.env ?? {}) };
  let xvfb = null;
  if (engine.display) {
    xvfb = await startXvfb();
    env.DISPLAY = xvfb.display;
  }
  const log = [];
  const child = spawn(engine.driver, [`--port=${port}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => log.push(String(d)));
  child.stderr.on('data', (d) => log.push(String(d)));
  const stopAll = () => { child.kill(); xvfb?.stop(); };
  try {
    await waitForPort(port, child);
    const driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities(engine.capabilities)
      .build();
    await driver.manage().setTimeouts({ script: 600_000, pageLoad: 60_000 });
    return {
      driver,
      log: () => log.join(''),
      stop: async () => {
        await driver.quit().catch(() => {});
        stopAll();
      },
    };
  } catch (error) {
    stopAll();
    throw new Error(`${engine.name} did not start: ${error.message}\n${log.join('').slice(-2000)}`);
  }
}

// What the WebDriver scenarios (browsers.test.mjs, python.test.mjs) share: the same steps in
// every engine, through nothing but W3C WebDriver.

/** Collects page errors, unhandled rejections and console errors from now on (run in the page). */
export const WATCH = () => {
  if (window.__problems) return;
  window.__problems = [];
  addEventListener('error', (e) => window.__problems.push(`page error: ${e.message}`));
  addEventListener('unhandledrejection', (e) => window.__problems.push(`unhandled rejection: ${e.reason}`));
  const error = console.error.bind(console);
  console.error = (...args) => { window.__problems.push(`console: ${args.join(' ')}`); error(...args); };
};

/** What the page reported (errors, rejections, console errors) since WATCH. */
export const problems = (driver) => js(driver, () => window.__problems ?? []);

/** Runs `fn` in the page with `args`, and returns what it returns. */
export const js = (driver, fn, ...args) => driver.executeScript(`return (${fn})(...arguments)`, ...args);

export const text = (driver, selector) =>
  js(driver, (s) => document.querySelector(s)?.textContent ?? null, selector);
export const attr = (driver, selector, name) =>
  js(driver, (s, n) => document.querySelector(s)?.getAttribute(n) ?? null, selector, name);

export async function waitFor(driver, what, check, timeout = 60_000) {
  await driver.wait(async () => Boolean(await check()), timeout, `waiting for ${what}`);
}

/** Types into a field as a user does: select what is there, delete it, type. */
export async function fill(driver, selector, value) {
  const input = await driver.findElement({ css: selector });
  await input.click();
  // Separate calls: in one, geckodriver and WebKitWebDriver type the text with Ctrl still held.
  await input.sendKeys(Key.chord(Key.CONTROL, 'a'));
  await input.sendKeys(Key.DELETE);
  // Line by line with Enter: WebKitWebDriver types a "\n" in the text as nothing.
  const lines = String(value).split('\n');
  for (const [i, line] of lines.entries()) {
    const keys = i < lines.length - 1 ? line + Key.ENTER : line;
    if (keys) await input.sendKeys(keys);
  }
  assert.equal(await input.getProperty('value'), String(value), `${selector} took the value`);
}
