#!/usr/bin/env node
// Makes sure what the test suites need is there before they run: PostgreSQL, Prometheus, Alertmanager,
// the Python Kubernetes client and Chromium. Outside CI a missing piece is installed/started when possible, else
// its suites skip with a printed reason; under CI=true a missing piece fails the run.
import { execSync } from 'node:child_process';
import net from 'node:net';

const CI = process.env.CI === 'true' || process.env.CI === '1';
const canRoot = process.getuid?.() === 0;

function sh(cmd) {
  try {
    execSync(cmd, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
    return true;
  } catch {
    return false;
  }
}

function portOpen(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = net.connect({ port, host, timeout: 1500 }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
    s.on('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

async function postgres() {
  if (process.env.AEGIS_TEST_DATABASE_URL || (await portOpen(5432))) return 'ok';
  if (canRoot) {
    if (!sh('command -v pg_ctlcluster')) sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql');
    sh('pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -1) main start');
    for (let i = 0; i < 20 && !(await portOpen(5432)); i++) await new Promise((r) => setTimeout(r, 500));
    if (await portOpen(5432)) {
      sh(`su postgres -c "psql -qc \\"DO \\$\\$BEGIN IF NOT EXISTS (SELECT FROM pg_database WHERE datname='test') THEN CREATE DATABASE test; END IF; END\\$\\$\\""`);
      return 'started';
    }
  }
  return 'missing: PostgreSQL is not listening on 127.0.0.1:5432 (apt-get install postgresql; pg_ctlcluster 15 main start)';
}

/** Debian's prometheus: the Prometheus collector suite starts it on a loopback port with a temp config. */
async function prometheus() {
  if (sh('command -v prometheus')) return 'ok';
  if (canRoot) {
    sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus');
    if (sh('command -v prometheus')) return 'installed';
  }
  return 'missing: prometheus is not installed (apt-get install prometheus)';
}

/** Debian's prometheus-alertmanager: the real alert chain test delivers through it (group_by change + reload). */
async function alertmanager() {
  const found = () => sh('test -x /usr/bin/prometheus-alertmanager');
  if (found()) return 'ok';
  if (canRoot) {
    sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus-alertmanager');
    if (found()) return 'installed';
  }
  return 'missing: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)';
}

/** Debian's python3-kubernetes (for /usr/bin/python3): the official Python client's test against the simulated cluster. */
async function pythonKubernetes() {
  const found = () => sh('/usr/bin/python3 -c "import kubernetes"');
  if (found()) return 'ok';
  if (canRoot) {
    sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-kubernetes');
    if (found()) return 'installed';
  }
  return 'missing: the kubernetes module is not importable by /usr/bin/python3 (apt-get install python3-kubernetes)';
}

/** Debian's chromium for the browser tests (playwright-core drives it; nothing may download a browser). */
async function chromium() {
  const found = () => ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => sh(`test -x ${p}`));
  if (process.env.CHROMIUM_PATH && sh(`test -x "${process.env.CHROMIUM_PATH}"`)) return 'ok';
  if (found()) return 'ok';
  if (canRoot) {
    sh('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium');
    if (found()) return 'installed';
  }
  return 'missing: chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)';
}

const checks = { postgres, prometheus, alertmanager, 'python3-kubernetes': pythonKubernetes, chromium };
let failed = false;
for (const [name, check] of Object.entries(checks)) {
  const state = await check();
  console.log(`[prereqs] ${name}: ${state}`);
  if (state.startsWith('missing') && CI) failed = true;
}
if (failed) {
  console.error('[prereqs] CI=true and a test dependency is missing: failing instead of skipping.');
  process.exit(1);
}
