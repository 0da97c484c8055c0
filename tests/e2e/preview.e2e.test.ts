// The built plugins in the preview host page, against a backend started in demo mode, driven in Debian's
// chromium: live incident from an injected fault, approval through the emulated Grafana proxy (recorded
// with the Grafana login), the disabled button for a user without the permission, datasource frames,
// theme colours, no horizontal overflow at 1280 px, no console errors, screenshots in both themes; and a
// whole incident run from the incident page alone (evidence → acknowledge/assign/note → approve with a
// reason → live verification → resolved → postmortem edited and finalised), which a Viewer sees but cannot change.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Backend, startBackend } from './backend.js';
import { chromiumPath, launch, missingBuilds, SCREENSHOT_DIR, watchErrors } from './browser.js';

const exe = chromiumPath();
const APP = '/a/aegis-app';
const THEMES = ['light', 'dark'] as const;
const FAULT = { scenario: 'crash-loop', service: 'paymentservice', seed: 1 };
// An incident has no postmortem until it is resolved: the UI says so; chromium still logs the 404.
const OPTIONAL = /\/api\/v1\/incidents\/[^/]+\/postmortem/;

interface Remediation {
  id: string;
  status: string;
  approved_by: string | null;
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A refused connection while the machine is busy is one failed probe, not the end of the wait.
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe.skipIf(!exe)('Grafana plugins in the preview host (chromium)', () => {
  let server: Backend;
  let browser: Browser;
  let incidentId = '';
  const errors: string[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    const missing = missingBuilds();
    if (missing.length) throw new Error(`built plugins missing (${missing.join(', ')}): run npm run build first`);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startBackend();
    browser = await launch(exe ?? '');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function open(route: string, opts: { theme?: string; as?: string } = {}): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Two cores shared with other work: give navigation and waits room (behaviour is asserted, not speed).
    page.setDefaultNavigationTimeout(120_000);
    page.setDefaultTimeout(90_000);
    pages.push(page);
    const seen = watchErrors(page);
    page.on('close', () => errors.push(...seen.filter((e) => !(OPTIONAL.test(e) && e.includes('404')))));
    const q = new URLSearchParams({ theme: opts.theme ?? 'dark', as: opts.as ?? 'editor', path: route });
    await page.goto(`${server.url}/preview?${q.toString()}`);
    await page.getByTestId('preview-session').waitFor();
    return page;
  }

  async function remediationsOf(id: string): Promise<Remediation[] | undefined> {
    const res = await server.request('GET', `/api/v1/incidents/${id}/remediations`, { token: server.adminToken });
    return res.status === 200 ? (res.body.items as Remediation[]) : undefined;
  }

  /** Background and text colours are the theme's, and nothing overflows the 1280 px viewport. */
  async function checkTheme(page: Page, theme: string) {
    const look = await page.evaluate(() => {
      const t = (window as unknown as { preview: { theme: { canvas: string; text: string; isDark: boolean } } }).preview.theme;
      const probe = document.createElement('div');
      const rgb = (c: string) => {
        probe.style.color = c;
        document.body.appendChild(probe);
        const v = getComputedStyle(probe).color;
        probe.remove();
        return v;
      };
      const body = getComputedStyle(document.body);
      return {
        expected: { bg: rgb(t.canvas), text: rgb(t.text), isDark: t.isDark },
        bg: body.backgroundColor,
        text: body.color,
        overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      };
    });
    expect(look.expected.isDark).toBe(theme === 'dark');
    expect(look.bg).toBe(look.expected.bg);
    expect(look.text).toBe(look.expected.text);
    const [r = 0, g = 0, b = 0] = (look.bg.match(/\d+/g) ?? []).map(Number);
    const luminance = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    if (theme === 'dark') expect(luminance).toBeLessThan(0.2);
    else expect(luminance).toBeGreaterThan(0.8);
    expect(look.overflow).toBeLessThanOrEqual(0);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });

  /** The incident page in both themes at its current state: the look checks pass and a screenshot is kept. */
  async function incidentShots(step: string, ready: (page: Page) => Promise<unknown>, as = 'editor') {
    for (const theme of THEMES) {
      const page = await open(`${APP}/incidents/${incidentId}`, { theme, as });
      await ready(page);
      await checkTheme(page, theme);
      await shot(page, `workspace-${step}-${theme}`);
      await page.close();
    }
  }

  const incidentDetail = async () => (await server.request('GET', `/api/v1/incidents/${incidentId}`, { token: server.adminToken })).body;

  /** Waits until an evidence chart of the page draws data with a shaded anomaly window (reloading: windows load on open). */
  async function evidenceWithWindow(page: Page) {
    await page.getByTestId('aegis-incident-evidence').waitFor();
    await expect
      .poll(
        async () => {
          const regions = await page.locator('[data-testid="panel-renderer-timeseries"]').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-regions'))));
          if (regions.some((n) => n > 0)) return true;
          await page.reload();
          await page.getByTestId('aegis-incident-evidence').waitFor();
          await page.waitForTimeout(3000);
          return false;
        },
        { timeout: 150_000, intervals: [2000] },
      )
      .toBe(true);
  }

  it('the datasource plugin returns anomaly score frames, Node Graph frames and a health check', async () => {
    // A fresh backend stores its first anomaly scores after its first detection pass.
    await until('stored anomaly scores', 360_000, async () => {
      const res = await server.request('GET', '/api/v1/anomalies/scores', { token: server.adminToken });
      return res.status === 200 && res.body.series.some((s: { points: unknown[] }) => s.points.length > 0) ? true : undefined;
    });
    const page = await open('/datasource');
    await page.waitForFunction(() => 'preview' in window);
    const to = Date.now() + 60_000;
    const result = await page.evaluate(async ([from, until]) => {
      const p = (window as unknown as { preview: { queryDataSource: (t: unknown[], f: number, u: number) => Promise<unknown>; testDatasource: () => Promise<unknown> } }).preview;
      return {
        scores: (await p.queryDataSource([{ refId: 'A', queryType: 'anomalyScores' }], from, until)) as Array<{ name: string; fields: Array<{ name: string; type: string; values: number[] }> }>,
        graph: (await p.queryDataSource([{ refId: 'G', queryType: 'serviceGraph' }], from, until)) as Array<{ name: string; fields: Array<{ name: string; type: string; values: unknown[] }> }>,
        health: (await p.testDatasource()) as { status: string; message: string },
      };
    }, [to - 6 * 3_600_000, to]);
    expect(result.health.status, result.health.message).toBe('success');
    expect(result.scores.length).toBeGreaterThan(0);
    for (const f of result.scores) {
      expect(f.fields.map((x) => [x.name, x.type])).toEqual([['Time', 'time'], ['score', 'number']]);
      expect(f.fields[1]?.values.every((v) => v === null || (v >= 0 && v <= 1))).toBe(true);
    }
    expect(result.scores.some((f) => (f.fields[0]?.values.length ?? 0) > 0)).toBe(true);
    const nodes = result.graph.find((f) => f.name === 'nodes');
    const edges = result.graph.find((f) => f.name === 'edges');
    const names = (f?: { fields: Array<{ name: string }> }) => f?.fields.map((x) => x.name) ?? [];
    expect(names(nodes)).toEqual(expect.arrayContaining(['id', 'title', 'subtitle', 'mainstat', 'secondarystat', 'highlighted']));
    expect(names(edges)).toEqual(expect.arrayContaining(['id', 'source', 'target', 'mainstat', 'secondarystat']));
    const count = nodes?.fields[0]?.values.length ?? 0;
    expect(count).toBeGreaterThan(5);
    const arcs = nodes?.fields.filter((f) => f.name.startsWith('arc__')) ?? [];
    expect(arcs.length).toBeGreaterThan(0);
    for (let i = 0; i < count; i++) expect(arcs.reduce((s, f) => s + Number(f.values[i]), 0)).toBeCloseTo(1);
    const ids = new Set(nodes?.fields[0]?.values);
    for (const key of ['source', 'target']) {
      expect(edges?.fields.find((f) => f.name === key)?.values.every((v) => ids.has(v))).toBe(true);
    }
    await page.getByTestId('ds-serviceGraph').getByText('nodes').waitFor();
    // The query results are visible as values, not only as field names.
    await page.getByTestId('ds-serviceGraph').getByTestId('ds-frame-rows').first().locator('td', { hasText: /service$/ }).first().waitFor();
    await page.close();
  });

  it('the incidents page lists a live incident from an injected fault', async () => {
    const page = await open(`${APP}/incidents`);
    await page.getByTestId('aegis-incidents-list').or(page.getByText('No incidents match')).first().waitFor();
    // Live updates: socket.io long-polling through the (emulated) proxy route connects, polling slows down.
    await page.locator('[data-testid="aegis-live-state"][data-live="true"]').waitFor({ timeout: 30_000 });
    const inject = await server.request('POST', '/api/v1/simulator/inject', { token: server.adminToken, body: FAULT });
    expect(inject.status, JSON.stringify(inject.body)).toBeLessThan(300);
    // The page polls through the proxy: the incident shows up without a reload.
    const row = page.locator('[data-testid^="aegis-incident-row-"]', { hasText: FAULT.service }).first();
    await row.waitFor({ timeout: 180_000 });
    incidentId = ((await row.getAttribute('data-testid')) ?? '').replace('aegis-incident-row-', '');
    expect(incidentId).toMatch(/^[0-9a-f-]{36}$/);
    await row.getByRole('link').click();
    await page.getByTestId('aegis-incident-detail').waitFor();
    await page.getByTestId('aegis-incident-timeline').waitFor();
    expect(new URL(page.url()).searchParams.get('path')).toBe(`${APP}/incidents/${incidentId}`);
    await page.close();
  });

  it('incidents page and service graph: theme colours, no overflow at 1280 px, screenshots', async () => {
    for (const theme of THEMES) {
      const list = await open(`${APP}/incidents`, { theme });
      await list.locator('[data-testid^="aegis-incident-row-"]').first().waitFor();
      await checkTheme(list, theme);
      await shot(list, `incidents-${theme}`);
      await list.close();
      const detail = await open(`${APP}/incidents/${incidentId}`, { theme });
      await detail.getByTestId('aegis-incident-timeline').waitFor();
      await checkTheme(detail, theme);
      await shot(detail, `incident-detail-${theme}`);
      await detail.close();
      const graph = await open(`${APP}/service-graph`, { theme });
      await graph.getByTestId('panel-renderer-nodeGraph').waitFor();
      expect(await graph.locator('[data-node]').count()).toBeGreaterThan(5);
      await checkTheme(graph, theme);
      await shot(graph, `service-graph-${theme}`);
      await graph.close();
      const panels = await open('/dashboard', { theme });
      await panels.getByTestId('panel-renderer-nodeGraph').waitFor();
      await checkTheme(panels, theme);
      await shot(panels, `dashboard-panels-${theme}`);
      await panels.close();
    }
  });

  it('as Editor: evidence charts with the anomaly window, then acknowledge, assign and a note on the timeline', async () => {
    const page = await open(`${APP}/incidents/${incidentId}`);
    await evidenceWithWindow(page);
    const series = await page.locator('[data-testid="panel-renderer-timeseries"]').first().getAttribute('data-series');
    expect(Number(series)).toBeGreaterThan(0);
    // Each chart links to Explore on the Aegis datasource with its query.
    const explore = await page.getByTestId('aegis-incident-evidence').getByRole('link', { name: 'Explore' }).first().getAttribute('href');
    expect(decodeURIComponent(explore ?? '')).toContain('"queryType":"anomalyScores"');
    await incidentShots('1-evidence', evidenceWithWindow);

    const ack = page.getByTestId('aegis-incident-action-acknowledge');
    if (await ack.count()) {
      await ack.click();
      await expect.poll(async () => (await incidentDetail()).acknowledged_by).toBe('grafana:preview-editor');
    }
    await page.getByTestId('aegis-incident-action-assign').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Assign to me' }).click();
    await expect.poll(async () => (await incidentDetail()).assignee).toBe('preview-editor');
    await page.getByTestId('aegis-note-text').fill('e2e: checked the crash loop in the pod logs');
    await page.getByTestId('aegis-note-add').click();
    await page.getByTestId('aegis-incident-timeline').locator('li[data-type="note"]', { hasText: 'checked the crash loop' }).waitFor();
    const timeline = (await incidentDetail()).timeline as Array<{ type: string; actor: string; message: string }>;
    expect(timeline.find((e) => e.type === 'note')).toMatchObject({ actor: 'grafana:preview-editor', message: 'e2e: checked the crash loop in the pod logs' });
    await page.close();
    await incidentShots('2-acknowledged-assigned-note', (p) => p.getByTestId('aegis-incident-timeline').locator('li[data-type="note"]').waitFor());
  }, 10 * 60_000);

  it('a Grafana user without the approve permission sees the buttons disabled with the reason', async () => {
    const proposed = await until('a proposed remediation for the injected incident', 150_000, async () =>
      (await remediationsOf(incidentId))?.find((r) => r.status === 'proposed'),
    );
    const page = await open(`${APP}/incidents/${incidentId}`, { as: 'viewer' });
    const card = page.getByTestId(`aegis-remediation-${proposed.id}`);
    await card.waitFor();
    await expect.poll(() => card.getByTestId('aegis-approve').isDisabled()).toBe(true);
    expect(await card.getByTestId('aegis-reject').isDisabled()).toBe(true);
    await card.getByTestId('aegis-approve-disabled-reason').getByText('aegis-app.remediations:approve').waitFor();
    await page.close();
  });

  it('approving through the proxy changes the remediation state and records the Grafana user', async () => {
    const proposed = await until('a proposed remediation for the injected incident', 150_000, async () =>
      (await remediationsOf(incidentId))?.find((r) => r.status === 'proposed'),
    );
    for (const theme of THEMES) {
      const page = await open(`${APP}/incidents/${incidentId}`, { theme, as: 'editor' });
      const card = page.getByTestId(`aegis-remediation-${proposed.id}`);
      await card.getByTestId('aegis-approve').click();
      const modal = page.getByRole('dialog');
      await modal.waitFor();
      await checkTheme(page, theme);
      await shot(page, `approval-in-progress-${theme}`);
      if (theme === 'light') {
        await modal.getByRole('button', { name: 'Cancel' }).click();
        await page.close();
        continue;
      }
      await modal.getByRole('textbox').fill('e2e: the plan matches the evidence');
      await modal.getByRole('button', { name: 'Approve' }).click();
      await expect
        .poll(async () => card.getByTestId(`aegis-remediation-status-${proposed.id}`).getAttribute('data-status'), { timeout: 30_000 })
        .not.toBe('proposed');
      await shot(page, `approval-done-${theme}`);
      await page.close();
    }
    const after = await server.request('GET', `/api/v1/remediations/${proposed.id}`, { token: server.adminToken });
    expect(after.status).toBe(200);
    expect(after.body.status).not.toBe('proposed');
    expect(after.body.status).not.toBe('rejected');
    expect(after.body.approved_by).toBe('grafana:preview-editor');
  });

  it('as Editor: live verification checklist, resolved, postmortem edited and finalised', async () => {
    const approved = (await remediationsOf(incidentId))?.find((r) => r.approved_by === 'grafana:preview-editor');
    expect(approved).toBeDefined();
    const id = approved?.id ?? '';
    const page = await open(`${APP}/incidents/${incidentId}`);
    const checklist = page.getByTestId(`aegis-verification-${id}`);
    await checklist.waitFor({ timeout: 180_000 });
    expect(await checklist.getByTestId('aegis-verification-check').count()).toBeGreaterThan(0);
    await shot(page, 'workspace-3-verification-dark');
    const light = await open(`${APP}/incidents/${incidentId}`, { theme: 'light' });
    await light.getByTestId(`aegis-verification-${id}`).waitFor();
    await checkTheme(light, 'light');
    await shot(light, 'workspace-3-verification-light');
    await light.close();
    // The checklist updates live until the check ends (passed: the incident resolves itself; failed: reverted).
    await expect
      .poll(async () => checklist.getAttribute('data-phase'), { timeout: 11 * 60_000, intervals: [3000] })
      .toMatch(/passed|failed|inconclusive/);
    const checks = await checklist.getByTestId('aegis-verification-check').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(checks.every((c) => c === 'passed' || c === 'failed')).toBe(true);

    const status = page.getByTestId('aegis-incident-status');
    await page.waitForTimeout(5000);
    if (!['resolved', 'closed'].includes((await status.getAttribute('data-status')) ?? '')) {
      await page.getByTestId('aegis-incident-action-resolve').click();
      await page.getByTestId('aegis-dialog-text').fill('e2e: resolved by hand after the check');
      await page.getByTestId('aegis-dialog-confirm').click();
    }
    await expect.poll(async () => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('resolved');
    // A resolved incident offers nothing to approve.
    expect(await page.getByTestId('aegis-approve').count()).toBe(0);
    await page.getByTestId('aegis-incident-action-reopen').waitFor();
    await incidentShots('4-resolved', (p) => p.getByTestId('aegis-postmortem-rendered').waitFor({ timeout: 60_000 }));

    const pm = page.getByTestId('aegis-incident-postmortem');
    await pm.getByTestId('aegis-postmortem-rendered').waitFor({ timeout: 60_000 });
    expect(await pm.getByTestId('aegis-postmortem-rendered').locator('h1, h2').count()).toBeGreaterThan(0);
    await pm.getByTestId('aegis-postmortem-edit').click();
    const text = pm.getByTestId('aegis-postmortem-text');
    await text.fill(`${await text.inputValue()}\n\n## Follow-up (e2e)\n\n- alert on restart count before the crash loop\n`);
    await pm.getByTestId('aegis-postmortem-save').click();
    await pm.getByTestId('aegis-postmortem-rendered').getByRole('heading', { name: 'Follow-up (e2e)' }).waitFor();
    await incidentShots('5-postmortem-edited', (p) => p.getByRole('heading', { name: 'Follow-up (e2e)' }).waitFor());
    await pm.getByTestId('aegis-postmortem-finalise').click();
    await page.getByRole('dialog').getByRole('button', { name: 'Finalise' }).click();
    await pm.getByText(/^Final since/).waitFor();
    expect(await pm.getByTestId('aegis-postmortem-edit').count()).toBe(0);
    const saved = await server.request('GET', `/api/v1/incidents/${incidentId}/postmortem`, { token: server.adminToken });
    expect(saved.body.markdown).toContain('## Follow-up (e2e)');
    expect(saved.body.final_by).toBe('grafana:preview-editor');
    await page.close();
    await incidentShots('6-postmortem-final', (p) => p.getByText(/^Final since/).waitFor());
  }, 25 * 60_000);

  it('as Viewer: the same incident page shows everything and changes nothing', async () => {
    const before = await incidentDetail();
    const page = await open(`${APP}/incidents/${incidentId}`, { as: 'viewer' });
    const warnings: string[] = [];
    page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
    await page.reload();
    await page.getByTestId('aegis-incident-detail').waitFor();
    await evidenceWithWindow(page);
    await page.getByTestId('aegis-incident-timeline').locator('li[data-type="note"]').waitFor();
    await page.getByTestId('aegis-postmortem-rendered').getByRole('heading', { name: 'Follow-up (e2e)' }).waitFor();
    await page.getByTestId(/^aegis-verification-/).first().waitFor();
    // Every action is there, disabled, and the missing role is named.
    const actions = page.getByTestId('aegis-incident-actions').getByRole('button');
    expect(await actions.count()).toBeGreaterThan(2);
    for (const b of await actions.all()) expect(await b.isDisabled()).toBe(true);
    await page.getByTestId('aegis-incident-actions-denied').getByText('Editor role').waitFor();
    expect(await page.getByTestId('aegis-note-add').isDisabled()).toBe(true);
    expect(await page.getByTestId('aegis-note-text').isDisabled()).toBe(true);
    await page.getByTestId('aegis-incident-action-reopen').click({ force: true });
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.close();
    await incidentShots('7-viewer', (p) => p.getByTestId('aegis-incident-actions-denied').waitFor(), 'viewer');
    const after = await incidentDetail();
    expect(after.timeline.length).toBe(before.timeline.length);
    expect(after.status).toBe(before.status);
    expect(after.assignee).toBe(before.assignee);
    // The preview serves no Grafana font files: none is fetched, so none fails to decode.
    expect(warnings.filter((w) => /font/i.test(w)), warnings.join('\n')).toEqual([]);
  }, 10 * 60_000);

  it('the agents and IaC findings pages render their tables', async () => {
    const agents = await open(`${APP}/agents`);
    await agents.getByTestId('aegis-agents-table').locator('table').or(agents.getByText('No agent has run')).first().waitFor();
    expect(await agents.getByTestId('aegis-unavailable').count()).toBe(0);
    await agents.getByTestId('aegis-agent-activity').getByText('Live: agent events').waitFor({ timeout: 30_000 });
    await agents.close();
    const iac = await open(`${APP}/iac`);
    await iac.getByTestId('aegis-iac-table').locator('table').or(iac.getByText('No findings match')).first().waitFor();
    expect(await iac.getByTestId('aegis-unavailable').count()).toBe(0);
    await iac.close();
  });

  it('the configuration page tests the connection through the proxy route', async () => {
    const page = await open('/plugins/aegis-app');
    await page.getByTestId('aegis-config-test').click();
    await page.getByTestId('aegis-config-result').getByText('Connection OK').waitFor({ timeout: 30_000 });
    await page.close();
  });

  it('no console errors on any page', async () => {
    for (const p of pages) if (!p.isClosed()) await p.close();
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
