import type { IdentificationStatus } from '../../../domain/states.ts';
import type { CodeRefusal, Identification } from '../../../engine/identifications/identifications.ts';
import { Secret } from '../../../security/secret.ts';
import { fieldRefusal, messages } from '../errors.ts';
import { type ImpayState, impayStates, toImpayId } from '../map.ts';
import type { ImpayOperations } from '../operation.ts';
import { parseBenificReg, parseById, parseIdent } from '../parse.ts';

/**
 * Identification of a person (`ident/req` twice: the passport form with a phone, then the SMS
 * code with the same id; `ident/state`) and beneficiary registration (`benific/reg`). Passport
 * data goes straight into the vault (the engine seals it); no answer or log repeats it.
 */

/** ImPay's state of an identification: in progress 0, identified 1, refused 2, lapsed 3. */
export const identState = {
  code_sent: impayStates.processing,
  verifying: impayStates.processing,
  verified: impayStates.success,
  rejected: impayStates.error,
  expired: impayStates.canceled,
} as const satisfies Record<IdentificationStatus, ImpayState>;

export const identMessages = {
  /** Test mode: the code that an SMS would carry, for the tester to type back. */
  codeSent: (code: string) => `Код подтверждения: ${code}`,
  wrongCode: 'Неверный код подтверждения',
  codeExpired: 'Срок действия кода подтверждения истек',
  alreadyConfirmed: 'Код подтверждения уже принят',
} as const;

const codeRefusals = {
  not_found: messages.notFound,
  wrong_code: identMessages.wrongCode,
  expired: identMessages.codeExpired,
  not_awaiting_code: identMessages.alreadyConfirmed,
} as const satisfies Record<CodeRefusal, string>;

const created = (identification: Identification, message = '') => ({
  status: 1,
  message,
  id: toImpayId(identification.id),
});

export const identificationOperations: ImpayOperations = {
  'ident/req': async ({ host, merchant, body }) => {
    const cmd = parseIdent(body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    if (cmd.value.kind === 'phone_code') {
      const { id, code } = cmd.value;
      const done = await host.engine.confirmIdentificationCode({ merchantId: merchant.id, id, code });
      return done.ok ? created(done.value) : { status: 0, message: codeRefusals[done.error] };
    }
    const { person } = cmd.value;
    const started = await host.engine.startIdentification({
      merchantId: merchant.id,
      person: new Secret(person),
      phone: person.phone,
    });
    const { identification, testCode } = started;
    return created(identification, testCode === null ? '' : identMessages.codeSent(testCode));
  },

  'ident/state': async ({ host, merchant, body }) => {
    const cmd = parseById(body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const found = await host.engine.getIdentification(merchant.id, cmd.value.id);
    if (!found) return { status: 0, message: messages.notFound };
    return { status: identState[found.status], message: '', rc: found.rc ?? '' };
  },

  'benific/reg': async ({ host, merchant, body }) => {
    const cmd = parseBenificReg(body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const { kind, inn, kpp, ogrn, lastName, firstName, middleName, form } = cmd.value;
    const urname = typeof form.urname === 'string' && form.urname.trim() !== '' ? form.urname.trim() : null;
    const personName = [lastName, firstName, middleName].filter((part) => part).join(' ');
    await host.engine.registerBeneficiary({
      merchantId: merchant.id,
      kind,
      inn,
      kpp,
      ogrn,
      name: kind === 'company' && urname ? urname : personName,
      form: { ...form, registrationtype: kind, inn, kpp, ogrn },
    });
    return { status: 1, message: '' };
  },
};
