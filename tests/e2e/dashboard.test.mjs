// The dashboard in a real browser: Debian's chromium driven by playwright-core.
// 1. `smartcity demo` live: the page fills with data, logs no console error and
//    makes no request outside 127.0.0.1.
// 2. On the lake the demo left behind (no longer changing), `smartcity serve`:
//    each chart's numbers equal /api and `smartcity query`, a slicer and a
//    click-to-filter change the other charts correctly, the CSV export equals
//    the query result. Screenshots go to build/e2e-artifacts/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE);
const SMARTCITY = process.env.SMARTCITY_BIN;
const ARTIFACTS = process.env.E2E_ARTIFACTS;
mkdirSync(ARTIFACTS, { recursive: true });

function freePort() {
  return new Promise(resolve => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitFor(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try { if ((await fetch(url)).ok) return; } catch { /* not up yet */ }
    await new Promise(r => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
}

async function browser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A page that records console errors and any request leaving 127.0.0.1.
// `timeoutMs` is generous: under `make test` the page shares 2 cores with a
// Kafka broker, Spark and S3Proxy, and parsing ECharts alone took 8 s there.
async function openPage(b, base, timeoutMs = 90000) {
  const page = await b.newPage({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
  const problems = [];
  page.on('console', m => { if (m.type() === 'error') problems.push('console: ' + m.text()); });
  page.on('pageerror', e => problems.push('page error: ' + e.message));
  page.on('request', r => { if (!r.url().startsWith(base)) problems.push('outside request: ' + r.url()); });
  await page.goto(base + '/');
  await page.waitForSelector('body[data-loaded="true"]', { timeout: timeoutMs });
  return { page, problems };
}

const work = mkdtempSync(path.join(tmpdir(), 'smartcity-e2e-'));
const lake = path.join(work, 'lake');

test('the live demo fills the dashboard without errors or outside requests', async () => {
  const [kafkaPort, httpPort] = [await freePort(), await freePort()];
  // No --duration: the demo runs until the checks are done and then gets the
  // Ctrl-C a user would press, so a slow start on a loaded machine cannot end
  // the demo before the page has loaded.
  const demo = spawn(SMARTCITY, ['demo', '--port', String(kafkaPort),
    '--http-port', String(httpPort), '--lake', lake, '--broker-data', path.join(work, 'broker'),
    '--vehicles', '12', '--rate', '1500'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  demo.stderr.on('data', d => { log += d; });
  const exited = new Promise(resolve => demo.on('exit', (code, signal) => resolve(code ?? signal)));
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    await waitFor(base + '/api/health', 120000);
    const b = await browser();
    try {
      const { page, problems } = await openPage(b, base);
      await page.waitForFunction(() => (window.smartcity.latest.weather?.rows.length ?? 0) > 0,
                                 null, { timeout: 60000 });
      const first = await page.evaluate(() => window.smartcity.latest.weather.rows.reduce((n, r) => n + r[1], 0));
      await page.waitForFunction(n => window.smartcity.latest.weather.rows.reduce((m, r) => m + r[1], 0) > n,
                                 first, { timeout: 60000 });
      await page.screenshot({ path: path.join(ARTIFACTS, 'demo-live.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally { await b.close(); }
  } finally {
    demo.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 0, log.slice(-2000));
    assert.match(log, /demo: published \d+ records/, log.slice(-2000));
  }
});

test('charts equal /api and smartcity query; slicers, click-to-filter and CSV export work', async () => {
  const httpPort = await freePort();
  const server = spawn(SMARTCITY, ['serve', '--lake', lake, '--port', String(httpPort)],
                       { stdio: 'ignore' });
  const base = `http://127.0.0.1:${httpPort}`;
  const query = (...args) => JSON.parse(execFileSync(SMARTCITY,
    ['query', '--lake', lake, '--format', 'json', ...args], { encoding: 'utf8' }));
  try {
    await waitFor(base + '/api/health', 30000);
    const b = await browser();
    try {
      const { page, problems } = await openPage(b, base);
      const shown = await page.evaluate(() => window.smartcity.latest);
      for (const [name, key] of [['weather', 'weather'], ['vehicle-status', 'vehicle-status'], ['emergencies', 'emergencies']]) {
        const api = await (await fetch(`${base}/api/reports/${name}`)).json();
        assert.deepEqual(shown[key].rows, api.rows, `${name}: chart vs /api`);
        const cli = query('--report', name);
        assert.deepEqual(api.rows.map(r => r.map(String)),
                         cli.map(o => api.columns.map(c => String(o[c]))), `${name}: /api vs query`);
      }
      // The weather chart draws exactly the report's records.
      const bars = await page.evaluate(() => window.smartcity.charts['chart-weather']
        .getOption().series[0].data.map(d => d.value));
      assert.deepEqual(bars, shown.weather.rows.map(r => r[1]));

      // Slicer: one vehicle.
      const device = shown.vehicles.rows[0][0];
      await page.selectOption('#device', device);
      await page.waitForFunction(d => window.smartcity.latest.vehicles.rows.every(r => r[0] === d), device);
      await page.waitForTimeout(1500);
      const perDevice = query(`SELECT type, status, count(*) AS records FROM emergency WHERE device_id = '${device}' GROUP BY ALL ORDER BY type, status`);
      const emergencies = await page.evaluate(() => window.smartcity.latest.emergencies.rows);
      assert.deepEqual(emergencies.map(r => r[2]), perDevice.map(o => o.records));
      await page.click('#clear');
      await page.waitForTimeout(1500);

      // Click-to-filter: a bar of "Emergencies by type" filters the status chart.
      const types = await page.evaluate(() => window.smartcity.latest.emergencies.rows.map(r => r[0]));
      const target = types.find(t => t !== 'None') || types[0];
      await page.evaluate(t => {
        const chart = window.smartcity.charts['chart-emergency-type'];
        chart.dispatchAction({ type: 'highlight', name: t });
        chart.trigger('click', { name: t, componentType: 'series' });
      }, target);
      await page.waitForFunction(t => window.smartcity.filters.incident_type === t, target);
      await page.waitForFunction(t => window.smartcity.latest.emergencies.rows.every(r => r[0] === t), target);
      const filtered = query(`SELECT type, status, count(*) AS records FROM emergency WHERE type = '${target}' GROUP BY ALL ORDER BY type, status`);
      const after = await page.evaluate(() => window.smartcity.latest.emergencies.rows);
      assert.deepEqual(after.map(r => r[2]), filtered.map(o => o.records));
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-filtered.png'), fullPage: true });
      await page.click('#clear');
      await page.waitForTimeout(1500);

      // CSV export of a chart equals the query's CSV.
      const [download] = await Promise.all([page.waitForEvent('download'),
        page.click('[data-export="weather"]')]);
      const exported = readFileSync(await download.path(), 'utf8');
      const cliCsv = execFileSync(SMARTCITY, ['query', '--lake', lake, '--format', 'csv',
        '--report', 'weather'], { encoding: 'utf8' });
      assert.equal(exported, cliCsv);

      // The SQL console runs sandboxed SQL and refuses writes.
      await page.fill('#sql', 'SELECT count(*) AS n FROM gps');
      await page.click('#sql-run');
      await page.waitForSelector('#sql-result table');
      assert.equal(await page.textContent('#sql-result td'), String(query('SELECT count(*) AS n FROM gps')[0].n));
      assert.deepEqual(problems, []);
      await page.fill('#sql', "COPY gps TO '/tmp/escape.csv'");
      await page.click('#sql-run');
      await page.waitForFunction(() => document.getElementById('sql-status').textContent.length > 0 &&
                                       !document.getElementById('sql-status').textContent.includes('running'));
      assert.match(await page.textContent('#sql-status'), /Permission|refused/);
      // The refusal is a 400, which the browser reports on its console; it is
      // the only problem allowed.
      assert.deepEqual(problems.splice(0),
        ['console: Failed to load resource: the server responded with a status of 400 (Bad Request)']);

      // A phone-sized window still shows every chart.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally { await b.close(); }
  } finally {
    server.kill('SIGINT');
  }
});
