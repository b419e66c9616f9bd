import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEngine, type Engine } from '../../src/engine/engine.ts';
import { newMasterKey, Vault } from '../../src/security/vault.ts';
import { testFlavors } from '../helpers/databases.ts';
import { cards, merchant, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';
import { cardRow, keptPan, registered } from './vault-fixtures.ts';

const sealedPrefix = (value: string | null) => value?.slice(0, value.indexOf(':'));

for (const flavor of await testFlavors()) {
  describe(`master key rotation on ${flavor}`, () => {
    let gw: TestGateway;
    let k2Engine: Engine;
    let onlyK2: Engine;
    const pans = [cards.approved, cards.mastercard, cards.mir];
    const cardIds: bigint[] = [];
    let impayKey = '';
    let impayLogin = '';
    let merchants = 0;
    let beneficiary = { merchantId: 0n, id: 0n };

    before(async () => {
      gw = await testGateway(flavor);
      const creds = unwrap(await gw.engine.createMerchant({ name: 'Keys' }));
      impayKey = creds.impay.key;
      impayLogin = creds.impay.login;
      const m = BigInt(creds.id);
      const other = await merchant(gw.engine, 'Other');
      merchants = 2;
      for (const [i, pan] of pans.entries())
        cardIds.push((await registered(gw.engine, i === 2 ? other : m, pan)).id);
      // a deleted card holds no ciphertext, so nothing to move
      const gone = await registered(gw.engine, m, cards.threeDsV2Frictionless);
      unwrap(await gw.engine.deleteCard({ merchantId: m, cardId: gone.id }));
      // personal data (ImPay KYC) is sealed under the master key too
      const b = await gw.engine.registerBeneficiary({
        merchantId: m,
        kind: 'person',
        inn: '500100732259',
        kpp: null,
        ogrn: null,
        name: 'Иванов Иван',
        form: { passport: '4510 123456' },
      });
      beneficiary = { merchantId: m, id: b.id };

      const t1 = gw.config.keyring.keys.get('t1')!;
      const t2 = newMasterKey();
      const both = new Vault({
        activeKeyId: 't2',
        keys: new Map([
          ['t1', t1],
          ['t2', t2],
        ]),
      });
      k2Engine = createEngine({ ...gw.engine.deps, vault: both });
      onlyK2 = createEngine({
        ...gw.engine.deps,
        vault: new Vault({ activeKeyId: 't2', keys: new Map([['t2', t2]]) }),
      });
    });
    after(() => gw.close());

    it('counts the values under each key', async () => {
      const usage = await k2Engine.keyUsage();
      assert.deepEqual(usage, [
        // 5 sealed credentials per merchant: paykeeper, paykeeper2 (form secret), impay, impay2, paymega
        {
          keyId: 't1',
          active: false,
          configured: true,
          credentials: 5 * merchants,
          cards: 3,
          personalData: 1,
        },
        { keyId: 't2', active: true, configured: true, credentials: 0, cards: 0, personalData: 0 },
      ]);
    });

    it('re-encrypts every sealed value to the new active key, in small batches', async () => {
      const counts = await k2Engine.rotateKeys({ batchSize: 2 });
      assert.deepEqual(counts, [
        { table: 'credentials', reencrypted: 5 * merchants, current: 0 },
        { table: 'cards', reencrypted: 3, current: 0 },
        { table: 'personal_data', reencrypted: 1, current: 0 },
      ]);
      for (const [i, id] of cardIds.entries()) {
        const row = await cardRow(gw.engine, id);
        assert.equal(row.pan_key_id, 't2');
        assert.equal(await keptPan(k2Engine, id), pans[i]);
        assert.equal(await keptPan(onlyK2, id), pans[i], 'readable without the old key');
      }
      const creds = await gw.database.db.selectFrom('credentials').select(['secret', 'secret2']).execute();
      for (const c of creds) {
        assert.equal(sealedPrefix(c.secret), 't2');
        if (c.secret2 !== null) assert.equal(sealedPrefix(c.secret2), 't2');
      }
      const auth = await onlyK2.authenticate('impay', impayLogin);
      assert.equal(auth?.secret(), impayKey, 'merchant secrets open with the new key');
      const usage = await k2Engine.keyUsage();
      assert.equal(usage.find((u) => u.keyId === 't1')?.credentials, 0);
      assert.equal(usage.find((u) => u.keyId === 't1')?.cards, 0, 'the old key holds nothing now');
      assert.equal(usage.find((u) => u.keyId === 't1')?.personalData, 0);
      const form = await onlyK2.beneficiaryForm(beneficiary.merchantId, beneficiary.id);
      assert.deepEqual(form, { passport: '4510 123456' }, 'personal data opens with the new key');
    });

    it('is harmless to run again', async () => {
      const counts = await k2Engine.rotateKeys();
      assert.deepEqual(counts, [
        { table: 'credentials', reencrypted: 0, current: 5 * merchants },
        { table: 'cards', reencrypted: 0, current: 3 },
        { table: 'personal_data', reencrypted: 0, current: 1 },
      ]);
      assert.equal(await keptPan(onlyK2, cardIds[0]!), pans[0]);
    });

    it('lets the rotated cards be charged and new ones be kept, with the old key retired', async () => {
      const row = await cardRow(gw.engine, cardIds[0]!);
      const charged = unwrap(
        await onlyK2.chargeSavedCard({
          merchantId: row.merchant_id,
          cardId: row.id,
          origin: 'core',
          amountMinor: 10_00n,
          currency: 'RUB',
        }),
      );
      assert.equal(charged.payment.status, 'captured');
      const fresh = await registered(onlyK2, row.merchant_id, cards.approved);
      assert.equal((await cardRow(gw.engine, fresh.id)).pan_key_id, 't2');
      const usage = await gw.engine.keyUsage(); // a process still on t1 only: sees t2 as missing
      assert.deepEqual(
        usage.find((u) => u.keyId === 't2'),
        {
          keyId: 't2',
          active: false,
          configured: false,
          credentials: 5 * merchants,
          cards: 4,
          personalData: 1,
        },
      );
    });

    it('refuses a ciphertext moved to another card', async () => {
      const [a, b] = [await cardRow(gw.engine, cardIds[0]!), await cardRow(gw.engine, cardIds[1]!)];
      await gw.database.db
        .updateTable('cards')
        .set({ pan_encrypted: a.pan_encrypted })
        .where('id', '=', b.id)
        .execute();
      await assert.rejects(keptPan(onlyK2, b.id), 'bound to its card');
      await gw.database.db
        .updateTable('cards')
        .set({ pan_encrypted: b.pan_encrypted })
        .where('id', '=', b.id)
        .execute();
    });
  });
}
