import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sessionLimits } from '../../src/engine/sessions/view.ts';
import { hashPassword } from '../../src/security/passwords.ts';
import { buildApp } from '../../src/web/app.ts';
import { form, type PkCreds, pkMerchant } from '../dialects/paykeeper/helpers.ts';
import { testFlavors } from '../helpers/databases.ts';
import { unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/**
 * The cabinet's session (cabinet contract): login, the cookie, the cookie in place of Basic on
 * PayKeeper's routes (a POST still needs the token), logout, and every way a session ends.
 */

const loginLimits = { perLogin: 3, perAddress: 5, windowMs: 60_000 };
const noLimits = { perLogin: 0, perAddress: 0, windowMs: 60_000 };

type Login = { login: string; password: string };

const logIn = (app: FastifyInstance, who: Login, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/cabinet/api/session',
    headers: { 'content-type': 'application/json', 'user-agent': 'test browser', ...headers },
    payload: JSON.stringify(who),
  });

/** The `kopek_session=…` pair of a login's Set-Cookie, as a browser sends it back. */
function cookieOf(res: { headers: Record<string, unknown> }): string {
  const set = String(res.headers['set-cookie']);
  const pair = set.split(';')[0]!;
  assert.match(pair, /^kopek_session=[A-Za-z0-9_-]{43}$/);
  return pair;
}

const withCookie = (cookie: string) => ({ cookie });

for (const flavor of await testFlavors()) {
  describe(`cabinet session (${flavor})`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let pk: PkCreds;
    const admin = { login: 'cab-admin', password: 'admin-password-1' };
    const clerk = { login: 'cab-clerk', password: 'clerk-password-1' };
    let clerkId: bigint;

    before(async () => {
      gw = await testGateway(flavor, { config: { cabinetLoginLimits: noLimits } });
      app = await buildApp(gw);
      pk = await pkMerchant(gw.engine, 'Cabinet shop');
      unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...admin, role: 'admin' }));
      clerkId = unwrap(
        await gw.engine.createUser({
          merchantId: pk.merchantId,
          ...clerk,
          role: 'operator',
          refunds: { allowed: true, perDay: 5 },
        }),
      ).id;
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('logs a user in: the contract body, an HttpOnly SameSite=Strict cookie, no Secure over http', async () => {
      const res = await logIn(app, clerk);
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        user: { login: clerk.login, admin: false, refund_allowed: true, refund: 5 },
        merchant: { id: pk.merchantId.toString(), name: 'Cabinet shop' },
        last_visit: null,
      });
      const set = String(res.headers['set-cookie']);
      assert.match(set, /; Path=\/(;|$)/);
      assert.match(set, /; HttpOnly(;|$)/);
      assert.match(set, /; SameSite=Strict(;|$)/);
      assert.doesNotMatch(set, /Secure/);
      assert.doesNotMatch(set, /Max-Age|Expires/); // a browser-session cookie; the server bounds it
      assert.equal(res.headers['cache-control'], 'no-store');
      cookieOf(res);
    });

    it('keeps only the token hash, and the login address and browser', async () => {
      const res = await logIn(app, admin);
      const token = cookieOf(res).split('=')[1]!;
      const rows = await gw.database.db.selectFrom('cabinet_sessions').selectAll().execute();
      assert.ok(rows.length >= 1);
      for (const row of rows) assert.notEqual(row.token_hash, token);
      const mine = rows.find((r) => r.login === admin.login)!;
      assert.equal(mine.user_agent, 'test browser');
      assert.equal(mine.ip, '127.0.0.1');
      assert.equal(mine.token_hash.length, 64);
    });

    it('answers an unknown login and a wrong password with the same 401', async () => {
      const unknown = await logIn(app, { login: 'nobody-here', password: 'whatever-1' });
      const wrong = await logIn(app, { login: admin.login, password: 'not-the-password' });
      assert.equal(unknown.statusCode, 401);
      assert.equal(wrong.statusCode, 401);
      assert.deepEqual(unknown.json(), wrong.json());
      assert.equal(wrong.json().error, 'bad_credentials');
      assert.equal(wrong.headers['set-cookie'], undefined);
    });

    it('refuses a body that is no JSON login (400), including a form a cross-site page could post', async () => {
      for (const [type, payload] of [
        ['application/json', '{"login":"x"}'],
        ['application/json', '[]'],
        ['application/json', '{"login":"","password":"p"}'],
        ['application/json', `{"login":"${'a'.repeat(300)}","password":"p"}`],
        ['application/json', '{not json'],
        ['application/x-www-form-urlencoded', form(admin)],
        ['text/plain', JSON.stringify(admin)],
      ] as const) {
        const res = await app.inject({
          method: 'POST',
          url: '/cabinet/api/session',
          headers: { 'content-type': type },
          payload,
        });
        assert.equal(res.statusCode, 400, `${type} ${payload}: ${res.body}`);
        assert.equal(res.json().error, 'bad_request');
        assert.equal(res.headers['set-cookie'], undefined);
      }
    });

    it('shows the visit before this one as the last visit (PayKeeper 4.2)', async () => {
      const first = await logIn(app, admin, { 'x-forwarded-for': '203.0.113.9' });
      const firstAt = gw.clock.now();
      gw.clock.advance(3_600_000);
      const second = await logIn(app, admin);
      assert.equal(first.statusCode, 200);
      const visit = second.json().last_visit;
      assert.equal(visit.ip, '127.0.0.1'); // no trusted proxy: the header is not believed
      assert.match(visit.datetime, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      // Moscow time, as PayKeeper's dates: UTC+3
      const utc = new Date(`${visit.datetime.replace(' ', 'T')}+03:00`);
      assert.equal(utc.getTime(), firstAt.getTime() - (firstAt.getTime() % 1000));
      // the session's GET gives the same line
      const now = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookieOf(second)),
      });
      assert.equal(now.statusCode, 200);
      assert.deepEqual(now.json(), second.json());
    });

    it('GET session: the current session, or 401 without one', async () => {
      const none = await app.inject({ method: 'GET', url: '/cabinet/api/session' });
      assert.equal(none.statusCode, 401);
      const junk = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie('kopek_session=made-up'),
      });
      assert.equal(junk.statusCode, 401);
      const cookie = cookieOf(await logIn(app, admin));
      const res = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().user.admin, true);
    });

    it('the cookie stands in for Basic on a GET, and on a POST with the token; a POST without it is 67', async () => {
      const cookie = cookieOf(await logIn(app, clerk));
      const settings = await app.inject({
        method: 'GET',
        url: '/info/settings/token/',
        headers: withCookie(cookie),
      });
      assert.equal(settings.statusCode, 200, settings.body);
      const { token } = settings.json();
      assert.match(token, /\S/);
      const preview = (fields: Record<string, string>) =>
        app.inject({
          method: 'POST',
          url: '/change/invoice/preview/',
          headers: { ...withCookie(cookie), 'content-type': 'application/x-www-form-urlencoded' },
          payload: form(fields),
        });
      const ok = await preview({ pay_amount: '100.00', token });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.json().invoice_id, /^\d{17,19}$/, ok.body);
      const noToken = await preview({ pay_amount: '100.00' });
      assert.equal(noToken.statusCode, 200);
      assert.equal(noToken.json().error_code, 67);
      const badToken = await preview({ pay_amount: '100.00', token: `${token}x` });
      assert.equal(badToken.json().error_code, 67);
    });

    it('without a cookie or Basic: 401 as before; a wrong Basic is not rescued by a good cookie', async () => {
      const none = await app.inject({ method: 'GET', url: '/info/settings/token/' });
      assert.equal(none.statusCode, 401);
      const cookie = cookieOf(await logIn(app, admin));
      const wrongBasic = await app.inject({
        method: 'GET',
        url: '/info/settings/token/',
        headers: { ...withCookie(cookie), authorization: `Basic ${Buffer.from('x:y').toString('base64')}` },
      });
      assert.equal(wrongBasic.statusCode, 401);
    });

    it("an ended session's 401 carries no Basic challenge (no browser dialog over the app)", async () => {
      const cookie = cookieOf(await logIn(app, admin));
      await app.inject({ method: 'DELETE', url: '/cabinet/api/session', headers: withCookie(cookie) });
      const ended = await app.inject({
        method: 'GET',
        url: '/info/settings/token/',
        headers: withCookie(cookie),
      });
      assert.equal(ended.statusCode, 401);
      assert.equal(ended.headers['www-authenticate'], undefined);
      const bare = await app.inject({ method: 'GET', url: '/info/settings/token/' });
      assert.equal(bare.headers['www-authenticate'], 'Basic realm="PayKeeper"');
    });

    it('a new login from a browser holding a session ends the old one', async () => {
      const old = cookieOf(await logIn(app, admin));
      const fresh = cookieOf(await logIn(app, clerk, withCookie(old)));
      const check = async (cookie: string) =>
        (
          await app.inject({ method: 'GET', url: '/cabinet/api/session', headers: withCookie(cookie) })
        ).json();
      assert.equal((await check(old)).error, 'unauthorized');
      assert.equal((await check(fresh)).user.login, clerk.login);
    });

    it('the merchant PayKeeper credential logs in too, as the administrator', async () => {
      const res = await logIn(app, { login: pk.login, password: pk.password });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().user, { login: pk.login, admin: true, refund_allowed: true, refund: 0 });
      const info = await app.inject({
        method: 'GET',
        url: '/info/settings/token/',
        headers: withCookie(cookieOf(res)),
      });
      assert.equal(info.statusCode, 200);
    });

    it('logout: 204, the cookie cleared, the session revoked on the server', async () => {
      const cookie = cookieOf(await logIn(app, admin));
      const out = await app.inject({
        method: 'DELETE',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /^kopek_session=; .*Max-Age=0/);
      // the old cookie, replayed, is dead everywhere
      const again = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(again.statusCode, 401);
      const api = await app.inject({
        method: 'GET',
        url: '/info/settings/token/',
        headers: withCookie(cookie),
      });
      assert.equal(api.statusCode, 401);
      const row = await gw.database.db
        .selectFrom('cabinet_sessions')
        .select('revoked_at')
        .where('revoked_at', 'is not', null)
        .executeTakeFirst();
      assert.ok(row);
    });

    it('a changed password (a new credential stamp) ends the session', async () => {
      const cookie = cookieOf(await logIn(app, clerk));
      const live = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(live.statusCode, 200);
      await gw.database.db
        .updateTable('users')
        .set({ password_hash: await hashPassword('a-new-password-2') })
        .where('id', '=', clerkId)
        .execute();
      const after = await app.inject({
        method: 'GET',
        url: '/info/settings/token/',
        headers: withCookie(cookie),
      });
      assert.equal(after.statusCode, 401);
      clerk.password = 'a-new-password-2';
      assert.equal((await logIn(app, clerk)).statusCode, 200);
    });

    it('a removed user ends the session', async () => {
      const temp = { login: 'cab-temp', password: 'temp-password-1' };
      const user = unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...temp, role: 'admin' }));
      const cookie = cookieOf(await logIn(app, temp));
      unwrap(await gw.engine.deleteUser(pk.merchantId, user.id));
      const res = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(res.statusCode, 401);
    });

    it('ends after the idle timeout; use keeps it alive, but not past its lifetime', async () => {
      const idle = cookieOf(await logIn(app, admin));
      const used = cookieOf(await logIn(app, admin));
      const check = async (cookie: string) =>
        (await app.inject({ method: 'GET', url: '/cabinet/api/session', headers: withCookie(cookie) }))
          .statusCode;
      const step = sessionLimits.idleMs - 60_000;
      gw.clock.advance(step);
      assert.equal(await check(used), 200);
      gw.clock.advance(120_000); // the idle one's last use was idleMs + 60 s ago
      assert.equal(await check(idle), 401);
      assert.equal(await check(used), 200);
      // used every step, it lives until its absolute end and no longer
      let elapsed = step + 120_000;
      while (elapsed + step < sessionLimits.lifetimeMs) {
        gw.clock.advance(step);
        elapsed += step;
        assert.equal(await check(used), 200);
      }
      gw.clock.advance(sessionLimits.lifetimeMs - elapsed);
      assert.equal(await check(used), 401);
    });
    it('a user row removed outright ends the session too', async () => {
      const other = { login: 'cab-temp2', password: 'temp-password-2' };
      const gone = unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...other, role: 'admin' }));
      const cookie = cookieOf(await logIn(app, other));
      await gw.database.db.deleteFrom('users').where('id', '=', gone.id).execute();
      const res = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(res.statusCode, 401);
    });

    it("a change of the user's rights through the settings (updateUser) ends the session", async () => {
      const temp = { login: 'cab-rights', password: 'rights-password-1' };
      const user = unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...temp, role: 'admin' }));
      const cookie = cookieOf(await logIn(app, temp));
      unwrap(await gw.engine.updateUser(pk.merchantId, user.id, { role: 'operator' }));
      const res = await app.inject({
        method: 'GET',
        url: '/cabinet/api/session',
        headers: withCookie(cookie),
      });
      assert.equal(res.statusCode, 401);
      const again = await logIn(app, temp);
      assert.equal(again.json().user.admin, false);
    });

    it("a session's requests note the day's visit for PayKeeper 4.2", async () => {
      const temp = { login: 'cab-visits', password: 'visits-password-1' };
      unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...temp, role: 'operator' }));
      const first = await logIn(app, temp);
      assert.equal(first.statusCode, 200);
      gw.clock.advance(24 * 3_600_000);
      const second = cookieOf(await logIn(app, temp));
      const visit = await app.inject({
        method: 'GET',
        url: '/info/user/lastvisit/',
        headers: withCookie(second),
      });
      assert.equal(visit.statusCode, 200, visit.body);
      // yesterday's login was noted as that day's visit, and 4.2 shows it today
      assert.equal(visit.json().ip, '127.0.0.1');
      const yesterday = new Date(gw.clock.ms - 24 * 3_600_000);
      const moscow = new Date(yesterday.getTime() + 3 * 3_600_000)
        .toISOString()
        .slice(0, 19)
        .replace('T', ' ');
      assert.equal(visit.json().datetime, moscow);
    });
  });

  describe(`cabinet login limits (${flavor})`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let pk: PkCreds;
    const admin = { login: 'cab-admin', password: 'admin-password-1' };

    before(async () => {
      gw = await testGateway(flavor, { config: { cabinetLoginLimits: loginLimits } });
      app = await buildApp(gw);
      pk = await pkMerchant(gw.engine, 'Cabinet shop');
      unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...admin, role: 'admin' }));
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    it('rate-limits attempts per login (429, Retry-After), whether the password is right or not', async () => {
      const who = { login: 'cab-limited', password: 'limited-password-1' };
      unwrap(await gw.engine.createUser({ merchantId: pk.merchantId, ...who, role: 'operator' }));
      gw.clock.advance(loginLimits.windowMs); // a fresh window
      for (let i = 0; i < loginLimits.perLogin; i++)
        assert.equal((await logIn(app, { ...who, password: 'wrong-password' })).statusCode, 401);
      const limited = await logIn(app, who); // the right password, one attempt too many
      assert.equal(limited.statusCode, 429);
      assert.equal(limited.json().error, 'too_many_attempts');
      const retry = Number(limited.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= loginLimits.windowMs / 1000);
      assert.equal(limited.json().retry_after, retry);
      assert.equal(limited.headers['set-cookie'], undefined);
      gw.clock.advance(retry * 1000);
      assert.equal((await logIn(app, who)).statusCode, 200);
    });

    it('rate-limits attempts per client address, whatever the login', async () => {
      gw.clock.advance(loginLimits.windowMs - (gw.clock.ms % loginLimits.windowMs)); // a fresh window
      for (let i = 0; i < loginLimits.perAddress; i++)
        assert.equal((await logIn(app, { login: `someone-${i}`, password: 'guess-guess' })).statusCode, 401);
      const limited = await logIn(app, admin);
      assert.equal(limited.statusCode, 429);
      const elsewhere = await app.inject({
        method: 'POST',
        url: '/cabinet/api/session',
        remoteAddress: '198.51.100.7',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(admin),
      });
      assert.equal(elsewhere.statusCode, 200);
    });
  });
}

describe('cabinet session cookie over https', () => {
  it('is Secure when PUBLIC_URL is https', async () => {
    const [flavor] = await testFlavors();
    const gw = await testGateway(flavor!, { config: { publicUrl: 'https://pay.example' } });
    const app = await buildApp(gw);
    try {
      const pk = await pkMerchant(gw.engine);
      const res = await logIn(app, { login: pk.login, password: pk.password });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['set-cookie']), /; Secure(;|$)/);
      const out = await app.inject({
        method: 'DELETE',
        url: '/cabinet/api/session',
        headers: withCookie(cookieOf(res)),
      });
      assert.match(String(out.headers['set-cookie']), /; Secure(;|$)/);
    } finally {
      await app.close();
      await gw.close();
    }
  });
});
