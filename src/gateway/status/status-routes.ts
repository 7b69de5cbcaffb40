import { readFileSync } from 'node:fs';
import type { Response, Router } from 'express';
import { AppError, messageOf } from '../../shared/errors.js';
import { masterOnly } from '../keys/key-guards.js';
import type { StatusReport } from './status-report.js';

/** The page and its assets, read once: served as they are, with no build step. */
const asset = (name: string) => readFileSync(new URL(`./ui/${name}`, import.meta.url), 'utf8');
const PAGE = { html: asset('dashboard.html'), js: asset('dashboard.js'), css: asset('dashboard.css') };

/** The dashboard only loads its own script and style, and only talks to this gateway. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The dashboard's pages: refused, they show the sign-in form. */
export const DASHBOARD_PAGES = ['/ui', '/ui/'];
/** The paths a browser visits for the dashboard, which ask it for the master key (HTTP Basic) when refused. */
export const DASHBOARD_PATHS = [...DASHBOARD_PAGES, '/ui/dashboard.js', '/ui/dashboard.css', '/v1/status'];

const masterKeyOnly = masterOnly('The dashboard and its status route');

/** `GET /v1/status` (JSON) and the dashboard at `/ui` that reads it, both for the master key only. */
export function mountStatusRoutes(router: Router, deps: { status: () => Promise<StatusReport> }): void {
  router.get('/v1/status', masterKeyOnly, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    // In queue mode the report is read from Redis: while Redis is away, say so rather than a bare 500.
    const report = await deps.status().catch((error: unknown) => {
      throw new AppError('unavailable', `The status cannot be gathered right now: ${messageOf(error)}`, {
        retryAfterSeconds: 1,
      });
    });
    res.json(report);
  });
  const serve = (type: string, body: string) => (_req: unknown, res: Response) => {
    res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    res.setHeader('Cache-Control', 'no-store');
    res.type(type).send(body);
  };
  router.get(DASHBOARD_PAGES, masterKeyOnly, serve('html', PAGE.html));
  router.get('/ui/dashboard.js', masterKeyOnly, serve('js', PAGE.js));
  router.get('/ui/dashboard.css', masterKeyOnly, serve('css', PAGE.css));
}
