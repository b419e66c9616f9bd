import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sessionLimits } from '../../src/engine/sessions/view.ts';
import { pkMerchant } from '../dialects/paykeeper/helpers.ts';
import { testFlavors } from '../helpers/databases.ts';
import { unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/** The janitor's pruning of ended sessions keeps each login's newest (the last-visit line). */
for (const flavor of await testFlavors()) {
  describe(`cabinet session pruning (${flavor})`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
    });
    after(async () => {
      await gw.close();
    });

    it('drops sessions long over, but never a login newest, and never a live one', async () => {
      const pk = await pkMerchant(gw.engine);
      const user = unwrap(
        await gw.engine.createUser({
          merchantId: pk.merchantId,
          login: 'pruned',
          password: 'pruned-pass-1',
          role: 'admin',
        }),
      );
      const open = async (userId: bigint | null, login: string) =>
        (await gw.engine.openSession({
          merchantId: pk.merchantId,
          userId,
          login,
          ip: '10.0.0.1',
          userAgent: 'x',
        }))!;
      const old1 = await open(user.id, 'pruned');
      gw.clock.advance(60_000);
      const old2 = await open(user.id, 'pruned');
      const credentialOld = await open(null, pk.login);
      gw.clock.advance(sessionLimits.keepEndedMs + sessionLimits.lifetimeMs + 1);
      const live = await open(user.id, 'pruned');
      assert.equal(await gw.engine.pruneSessions(), 2); // old1, old2 go; the credential's only one stays
      const left = await gw.database.db.selectFrom('cabinet_sessions').select('id').orderBy('id').execute();
      assert.deepEqual(
        left.map((r) => r.id),
        [credentialOld.session.id, live.session.id],
      );
      assert.ok(old1 && old2);
      assert.ok(await gw.engine.resumeSession(live.token));
      // the last visit of the next login is still there for the credential
      const next = await open(null, pk.login);
      assert.equal(next.session.previousVisit?.at.getTime(), credentialOld.session.createdAt.getTime());
    });
  });
}
