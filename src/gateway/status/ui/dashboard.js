// The dashboard: reads GET /v1/status every two seconds and redraws. Everything shown is set as text,
// never as HTML: tool and server names come from configs and upstream servers.
const POLL_MS = 2000;
let previous;

const $ = (id) => document.getElementById(id);

function ago(iso) {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return `${seconds} s ago`;
}

const ms = (value) => (value === null || value === undefined ? '–' : `${value} ms`);

function cell(content, className) {
  const td = document.createElement('td');
  if (content instanceof Node) td.append(content);
  else td.textContent = String(content);
  if (className) td.className = className;
  return td;
}

function fill(tableId, rows, emptyText) {
  const body = $(tableId).querySelector('tbody');
  const columns = $(tableId).querySelectorAll('th').length;
  if (rows.length === 0) {
    const empty = cell(emptyText, 'empty');
    empty.colSpan = columns;
    const tr = document.createElement('tr');
    tr.append(empty);
    body.replaceChildren(tr);
    return;
  }
  body.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement('tr');
      tr.append(...cells);
      return tr;
    }),
  );
}

function code(text) {
  const element = document.createElement('code');
  element.textContent = text;
  return element;
}

/** Calls and errors per second by tool, from the totals of this look and the one before. */
function ratesOf(status) {
  const rates = {};
  const seconds = previous ? (Date.parse(status.generatedAt) - Date.parse(previous.generatedAt)) / 1000 : 0;
  for (const [tool, totals] of Object.entries(status.tools)) {
    const before = previous?.tools[tool] ?? { calls: 0, errors: 0 };
    rates[tool] =
      seconds > 0
        ? { calls: (totals.calls - before.calls) / seconds, errors: (totals.errors - before.errors) / seconds }
        : { calls: 0, errors: 0 };
  }
  return rates;
}

function render(status) {
  $('mode').textContent = `${status.mode} mode`;
  $('version').textContent = `v${status.version}`;
  $('updated').textContent = `updated ${new Date(status.generatedAt).toLocaleTimeString()}`;
  $('gateway-count').textContent = String(status.gateways.length);
  $('worker-count').textContent = status.mode === 'queue' ? String(status.workers.length) : 'in-process';
  $('queue-depth').textContent = status.queue ? String(status.queue.depth) : '–';
  $('queue-wait').textContent = status.queue
    ? `${ms(status.queue.waitMs.average)} / ${ms(status.queue.waitMs.max)}`
    : '–';

  const rates = ratesOf(status);
  const sum = (key) => Object.values(rates).reduce((total, rate) => total + rate[key], 0);
  $('call-rate').textContent = sum('calls').toFixed(1);
  $('error-rate').textContent = sum('errors').toFixed(1);

  const threads = (beat) => (beat.threads === undefined ? '–' : `${beat.busyThreads} / ${beat.threads}`);
  fill(
    'gateways',
    status.gateways.map((gateway) => [
      cell(code(gateway.gatewayId + (gateway.gatewayId === status.gatewayId ? ' (this one)' : ''))),
      cell(gateway.host),
      cell(gateway.pid),
      cell(gateway.inFlight),
      cell(threads(gateway)),
      cell(ago(gateway.beatAt)),
    ]),
    'none',
  );
  fill(
    'workers',
    status.workers.map((worker) => [
      cell(code(worker.workerId)),
      cell(worker.host),
      cell(worker.pid),
      cell(worker.inFlight),
      cell(threads(worker)),
      cell(worker.jobsTaken),
      cell(worker.calls),
      cell(worker.failedCalls, worker.failedCalls > 0 ? 'failed' : ''),
      cell(ago(worker.beatAt)),
    ]),
    status.mode === 'queue'
      ? 'no live workers: start one with `toolgate worker`'
      : 'embedded mode: tools run in the gateway',
  );
  fill(
    'tools',
    Object.entries(status.tools)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([tool, totals]) => [
        cell(tool),
        cell(totals.calls),
        cell(totals.errors, totals.errors > 0 ? 'failed' : ''),
        cell(rates[tool].calls.toFixed(1)),
        cell(rates[tool].errors.toFixed(1)),
      ]),
    'no calls yet',
  );
  fill(
    'recent-calls',
    status.recentCalls.map((call) => [
      cell(new Date(call.at).toLocaleTimeString()),
      cell(call.tool),
      cell(call.outcome, call.outcome === 'success' ? 'success' : 'failed'),
      cell(ms(call.latencyMs)),
      cell(ms(call.queuedMs)),
      cell(call.workerId === null ? (status.mode === 'queue' ? '–' : 'in-process') : code(call.workerId)),
      cell(call.traceId === null ? '–' : code(call.traceId)),
    ]),
    'no calls yet',
  );
  fill(
    'upstream-servers',
    status.upstreamServers.map((server) => [
      cell(server.server),
      cell(server.status, server.status),
      cell(server.tools),
      cell(ms(server.latencyMs)),
      cell(server.checkedAt === null ? '–' : ago(server.checkedAt)),
      cell(server.error ?? ''),
    ]),
    'none configured',
  );
  previous = status;
}

async function refresh() {
  try {
    // Against the origin: a page opened as http://user:key@host/ui would resolve a relative URL with its
    // credentials, which fetch refuses. The pass cookie the page came with authenticates the request.
    const response = await fetch(new URL('/v1/status', location.origin), {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`status route answered ${response.status}`);
    render(await response.json());
    $('problem').hidden = true;
  } catch (error) {
    $('problem').textContent = `not updating: ${error.message}`;
    $('problem').hidden = false;
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

void refresh();
