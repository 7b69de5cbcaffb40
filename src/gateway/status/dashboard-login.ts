import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import express, { type Request, type Response, type Router } from 'express';

/** The cookie a browser holds once the master key was given for the dashboard. */
export const DASHBOARD_COOKIE = 'toolgate_dashboard';
/** How long a sign-in lasts. */
const PASS_TTL_MS = 12 * 60 * 60_000;

/** The sign-in page: a form, no script; it may post only to this gateway. */
const LOGIN_POLICY = "default-src 'none'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Signed, expiring passes to the dashboard, derived from the master key: any gateway with the same key
 * accepts them (no state to share), and changing the key revokes them all.
 */
export interface DashboardPass {
  /** Whether the request carries a pass that this key signed and that has not expired. */
  carriedBy(req: Request): boolean;
  /** Sets a fresh pass on the response (HttpOnly, SameSite=Strict, Secure over HTTPS). */
  grant(req: Request, res: Response): void;
}

export function createDashboardPass(masterKey: string): DashboardPass {
  const secret = createHash('sha256').update(`toolgate dashboard pass:${masterKey}`).digest();
  const sign = (expires: string) => createHmac('sha256', secret).update(expires).digest('base64url');
  const issue = () => {
    const expires = String(Date.now() + PASS_TTL_MS);
    return `${expires}.${sign(expires)}`;
  };
  return {
    carriedBy(req) {
      const header = req.get('cookie');
      const value = header === undefined ? undefined : parseCookies(header)[DASHBOARD_COOKIE];
      const [expires, signature] = value?.split('.') ?? [];
      if (!expires || !signature || !(Number(expires) > Date.now())) return false;
      const expected = Buffer.from(sign(expires));
      const presented = Buffer.from(signature);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
    grant(req, res) {
      res.cookie(DASHBOARD_COOKIE, issue(), {
        httpOnly: true,
        sameSite: 'strict',
        secure: req.secure,
        path: '/',
        maxAge: PASS_TTL_MS,
      });
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** The sign-in form, with a line saying why it is shown again. */
export function loginPage(problem?: string): string {
  return `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>toolgate: sign in</title><link rel="icon" href="data:," /></head>
  <body>
    <h1>toolgate dashboard</h1>
    ${problem ? `<p role="alert">${escapeHtml(problem)}</p>` : ''}
    <form method="post" action="/ui/login">
      <label>Master key <input type="password" name="key" autocomplete="current-password" required autofocus /></label>
      <button type="submit">Sign in</button>
    </form>
  </body>
</html>
`;
}

/** Sends the sign-in page with its policy. */
export function sendLoginPage(res: Response, status: number, problem?: string): void {
  res.status(status).setHeader('Content-Security-Policy', LOGIN_POLICY);
  res.setHeader('Cache-Control', 'no-store');
  res.type('html').send(loginPage(problem));
}

/**
 * `GET /ui/login` (the form) and `POST /ui/login` (the master key, as a form field): a right key gets a
 * pass and goes to `/ui`; a wrong one sees the form again. Mounted before the key check: it is how a
 * browser without credentials gets in.
 */
export function mountDashboardLogin(
  router: Router,
  deps: { pass: DashboardPass; isMasterKey: (key: string) => boolean },
): void {
  router.get('/ui/login', (_req, res) => sendLoginPage(res, 200));
  router.post('/ui/login', express.urlencoded({ extended: false, limit: '4kb' }), (req, res) => {
    const key: unknown = (req.body as Record<string, unknown> | undefined)?.key;
    if (typeof key !== 'string' || !deps.isMasterKey(key)) {
      sendLoginPage(res, 401, 'That is not the master key.');
      return;
    }
    deps.pass.grant(req, res);
    res.redirect(303, '/ui');
  });
}
