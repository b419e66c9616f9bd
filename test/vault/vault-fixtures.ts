import assert from 'node:assert/strict';
import type { Card, RegisterCardCmd } from '../../src/engine/cards/cards.ts';
import type { CardPurpose } from '../../src/engine/cards/view.ts';
import { panAad } from '../../src/engine/cards/view.ts';
import type { Engine } from '../../src/engine/engine.ts';
import type { CardRow } from '../../src/store/schema.ts';
import { card, unwrap } from '../helpers/fixtures.ts';

/** A registration the payer completes with `pan` on the hosted page: the card, now active. */
export async function registered(
  engine: Engine,
  merchantId: bigint,
  pan: string,
  more: Partial<RegisterCardCmd> & { cvc?: string; holder?: string } = {},
): Promise<Card> {
  const { cvc, holder, ...cmd } = more;
  const reg = unwrap(await engine.registerCard({ merchantId, origin: 'core', purpose: 'pay', ...cmd }));
  const paid = unwrap(
    await engine.payWithCard({
      payment: { publicId: reg.payment.publicId },
      card: card(pan, { ...(cvc && { cvc }), ...(holder && { holder }) }),
    }),
  );
  assert.equal(paid.payment.status, 'authorized', 'the verification hold is approved');
  const kept = await engine.getCard(merchantId, { id: reg.card.id });
  assert.equal(kept?.status, 'active');
  return kept;
}

export const cardRow = async (engine: Engine, id: bigint): Promise<CardRow> =>
  engine.database.db.selectFrom('cards').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** The number kept in the vault for a card, opened the way the engine opens it. */
export async function keptPan(engine: Engine, id: bigint): Promise<string> {
  const row = await cardRow(engine, id);
  assert.ok(row.pan_key_id && row.pan_encrypted, 'the card has a sealed number');
  return engine.deps.vault.decrypt(
    { keyId: row.pan_key_id, ciphertext: row.pan_encrypted },
    panAad(row.merchant_id, row.id),
  );
}

/**
 * An active card kept with `pan`, written as the engine writes one: for cards the issuer
 * declines later (a registration with them would never have become active).
 */
export async function keptDirectly(
  engine: Engine,
  merchantId: bigint,
  pan: string,
  purpose: CardPurpose = 'pay',
): Promise<bigint> {
  const now = Date.now();
  const { id } = await engine.database.db
    .insertInto('cards')
    .values({
      merchant_id: merchantId,
      external_id: null,
      status: 'active',
      purpose,
      mask: `${pan.slice(0, 6)}******${pan.slice(-4)}`,
      bin: pan.slice(0, 6),
      last4: pan.slice(-4),
      brand: 'visa',
      expiry: '12/30',
      holder: 'IVAN IVANOV',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const sealed = engine.deps.vault.encrypt(pan, panAad(merchantId, id));
  await engine.database.db
    .updateTable('cards')
    .set({ pan_key_id: sealed.keyId, pan_encrypted: sealed.ciphertext })
    .where('id', '=', id)
    .execute();
  return id;
}
