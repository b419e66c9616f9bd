import type { Static } from '@sinclair/typebox';
import type * as cabinet from '../../cabinet/src/api/types.ts';
import type * as wire from '../../src/dialects/paykeeper/wire.ts';

/**
 * The cabinet's mirror of the PayKeeper wire (cabinet/src/api/types.ts) against the schemas it
 * mirrors (src/dialects/paykeeper/wire.ts), checked by `tsc --noEmit`: a field renamed, added,
 * dropped or retyped on the server fails the type check until the cabinet follows. No test
 * runs here; the compiler is the test.
 */

/**
 * True when the cabinet's type C fits the wire's W: every value the cabinet expects is one the
 * wire may send (C assignable to W; the cabinet may be narrower, as TypeBox widens a union of
 * literals built from a list to `string`), and the cabinet knows every field the wire has.
 */
type Elem<T> = T extends readonly (infer E)[] ? E : T;
type Mirrors<C, W> = [C] extends [W]
  ? [keyof Elem<W>] extends [keyof Elem<C>]
    ? [keyof Elem<C>] extends [keyof Elem<W>]
      ? true
      : false
    : false
  : false;
const same = <C, W>(_: Mirrors<C, W>) => undefined;

same<cabinet.SystemsList, Static<typeof wire.SystemsList>>(true);
same<cabinet.SystemsSums, Static<typeof wire.SystemsSums>>(true);
same<cabinet.SystemsSumsDetails, Static<typeof wire.SystemsSumsDetails>>(true);
same<cabinet.AllSum, Static<typeof wire.AllSum>>(true);
same<cabinet.PaymentRow, Static<typeof wire.PaymentRow>>(true);
same<cabinet.PaymentById, Static<typeof wire.PaymentById>>(true);
same<cabinet.PaymentsByDateCount['statuses'], Static<typeof wire.PaymentsByDateCount>['statuses']>(true);
same<
  cabinet.PaymentsByDateCount['payment_systems'],
  Static<typeof wire.PaymentsByDateCount>['payment_systems']
>(true);
same<cabinet.PaymentOptions, Static<typeof wire.PaymentOptions>>(true);
same<cabinet.PaymentParams, Static<typeof wire.PaymentParams>>(true);
same<cabinet.HttpLog, Static<typeof wire.HttpLog>>(true);
same<cabinet.RefundsOfPayment, Static<typeof wire.RefundsOfPayment>>(true);
same<cabinet.UserSettings, Static<typeof wire.UserSettings>>(true);
same<cabinet.LastVisit, Static<typeof wire.LastVisit>>(true);
same<cabinet.TokenResponse, Static<typeof wire.TokenResponse>>(true);
same<cabinet.PkFail, Static<typeof wire.Fail>>(true);
same<cabinet.PaymentStatus, Static<typeof wire.PaymentRow>['status']>(true);
