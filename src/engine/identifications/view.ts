import type { IdentityPerson } from '../../acquiring/connector.ts';
import type { IdentificationStatus } from '../../domain/states.ts';
import type { Secret } from '../../security/secret.ts';
import type { IdentificationRow } from '../../store/schema.ts';

/** A person's identification as callers see it; the passport data stays sealed in its row. */
export type Identification = {
  id: bigint;
  merchantId: bigint;
  status: IdentificationStatus;
  /** The registries' response code, once they answered. */
  rc: string | null;
  /** Wrong codes entered so far. */
  codeAttempts: number;
  testMode: boolean;
  createdAt: Date;
  updatedAt: Date;
};

export const toIdentification = (row: IdentificationRow): Identification => ({
  id: row.id,
  merchantId: row.merchant_id,
  status: row.status,
  rc: row.rc,
  codeAttempts: Number(row.code_attempts),
  testMode: row.test_mode === 1n,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

export type StartIdentificationCmd = {
  merchantId: bigint;
  person: Secret<IdentityPerson>;
  /** Digits with the country code; null: no phone to check, the registries are asked at once. */
  phone: string | null;
};

export type StartedIdentification = {
  identification: Identification;
  /**
   * The code sent to the phone, returned in test mode only: Kopek has no SMS gateway yet, so
   * every identification is in test mode and the merchant shows the code to its tester.
   */
  testCode: string | null;
};

/** Why a phone code was not accepted. */
export type CodeRefusal = 'not_found' | 'wrong_code' | 'expired' | 'not_awaiting_code';

/** The passport data is sealed to its merchant and row: it cannot be moved to another one. */
export const personAad = (merchantId: bigint, id: bigint) => `${merchantId}:ident:${id}`;
