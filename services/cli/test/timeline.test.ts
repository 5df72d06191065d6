/**
 * The timeline page in a real browser: Debian's chromium, headless, driven by playwright-core.
 * .ci/run installs chromium; when it is missing this test fails (it is never skipped).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { pvsim, tempCluster } from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
let browser: Browser;

test.before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
});
test.after(async () => { await browser?.close(); });

async function open(file: string) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
  return { page, requests, errors };
}

test('timeline of a cluster: a lane per object with its phases, marks, and a click shows the record, its cause and the object', async () => {
  const c = tempCluster();
  for (const args of [['apply', '-f', 'examples/static/'], ['advance', '1m'], ['delete', 'pvc', 'scratch']]) assert.is((await pvsim(c, args)).code, 0);
  const out = join(mkdtempSync(join(tmpdir(), 'pvsim-timeline-')), 'timeline.html');
  const r = await pvsim(c, ['timeline', '-o', out]);
  assert.is(r.code, 0, r.stderr);
  const { page, requests, errors } = await open(out);
  const labels = await page.$$eval('.lane .label', (ns) => ns.map((n) => n.textContent));
  for (const want of ['inputs and faults', 'pv/disk-50g', 'pv/nas-5g', 'pvc/default/scratch', 'pvc/default/db-data']) assert.ok(labels.includes(want), `lane ${want} in ${labels.join(', ')}`);
  const phases = await page.$$eval('[data-lane="model:pv/disk-50g"] .seg', (ns) => ns.map((n) => n.getAttribute('data-phase')));
  assert.equal(phases, ['Pending', 'Available', 'Bound', 'Released', 'Failed']);
  assert.ok((await page.$$('[data-lane="model:pv/disk-50g"] .mark.event')).length >= 1, 'the VolumeFailedDelete event is a mark');
  // The story's three commands and the fresh cluster's own ClusterInitRequested.
  assert.ok((await page.$$('[data-lane="inputs"] .mark.input')).length === 4, 'four inputs');
  // Click the Bound phase of disk-50g: its record, by pv-controller, caused by a delivered work item; the object as it was.
  await page.click('[data-lane="model:pv/disk-50g"] .seg[data-phase="Bound"]');
  const head = await page.textContent('#record-head');
  assert.match(head ?? '', /PersistentVolumeUpdated · by pv-controller/);
  const object = JSON.parse((await page.textContent('#record-data')) ?? '{}');
  assert.is(object.status.phase, 'Bound');
  assert.is(object.spec.claimRef.name, 'scratch');
  await page.click('#details a.cause');
  assert.match((await page.textContent('#record-head')) ?? '', /WorkDelivered · by pv-controller/);
  const shot = join(out, '..', 'timeline.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(statSync(shot).size > 5_000, 'a real screenshot');
  assert.equal(readFileSync(shot).subarray(1, 4).toString(), 'PNG');
  assert.equal(requests.filter((u) => !u.startsWith('file:')), [], 'the page loads nothing from the network');
  assert.equal(errors, []);
  await page.close();
});

test('timeline of an imported incident: real lanes under the model\'s, where they part', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'pvsim-timeline-')), 'incident');
  const inc = 'examples/incidents/released-volume-reused';
  assert.is((await pvsim(dir, ['record', 'import', `${inc}/snapshot.yaml`, `${inc}/watch.json`, '--to', dir])).code, 0);
  const out = join(dir, '..', 'incident.html');
  assert.is((await pvsim(dir, ['timeline', '-o', out])).code, 0);
  const { page, errors } = await open(out);
  const labels = await page.$$eval('.lane .label', (ns) => ns.map((n) => n.textContent));
  const i = labels.indexOf('pv/nfs-home');
  assert.ok(i >= 0 && labels[i + 1] === 'pv/nfs-home (real)', labels.join(', '));
  const model = await page.$$eval('[data-lane="model:pv/nfs-home"] .seg', (ns) => ns.map((n) => n.getAttribute('data-phase')));
  const real = await page.$$eval('[data-lane="real:PersistentVolume/nfs-home"] .seg', (ns) => ns.map((n) => n.getAttribute('data-phase')));
  assert.equal(model, ['Bound', 'Released']);
  assert.equal(real, ['Bound', 'Released', 'Available', 'Bound']);
  assert.ok(await page.$('.lane.real'));
  assert.equal(errors, []);
  await page.close();
});

test.run();
