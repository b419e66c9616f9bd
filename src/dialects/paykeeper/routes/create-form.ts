import { pkAmount } from '../amounts.ts';
import { pkDialectFail, pkEngineFail } from '../errors.ts';
import { storedCart } from '../invoice-data.ts';
import { parseLegacyCreate } from '../parse.ts';
import { readRequest } from '../read-request.ts';
import { failWith, orFail, PkFailure, type PkPublicCall, type PkRoute } from '../route.ts';
import { pkReturnUrls } from '../settings-values.ts';
import { isLegacyFormSigned } from '../sign.ts';
import { LegacyCreateForm } from '../wire.ts';

/**
 * The payer's legacy form (COMPAT.md "Legacy HTML-form payment"): a shop's page posts the
 * order from the payer's browser, signed with the shop's form secret, and the payer lands on
 * the hosted payment page (3-D Secure and all). PayKeeper serves one shop per host; Kopek
 * serves many, so the shop is named in the path by its PayKeeper login:
 * `POST /m/<login>/create/` (README). The secret is the PayKeeper credential's `secret2`,
 * made with the merchant and shown once (`form_secret`).
 */

const text = (value: string | undefined) => value ?? '';

const create = async ({ host, params, req, reply }: PkPublicCall) => {
  const login = (req.params as { login?: string }).login ?? '';
  const shop = await host.engine.authenticate('paykeeper', login);
  if (!shop) return failWith(pkEngineFail.merchant_not_found);
  const form = readRequest(LegacyCreateForm, params);
  const order = parseLegacyCreate(form);
  if (!order.ok) throw new PkFailure(order.error);
  const secret = shop.secret2();
  const signed =
    secret !== null &&
    isLegacyFormSigned(
      {
        sum: form.sum,
        clientid: text(form.clientid),
        orderid: text(form.orderid),
        service_name: text(form.service_name),
        client_email: text(form.client_email),
        client_phone: text(form.client_phone),
      },
      pkAmount.print(order.value.amountMinor),
      text(form.sign),
      secret,
    );
  if (!signed) return failWith(pkDialectFail.form_sign);
  const o = order.value;
  const returnUrls = pkReturnUrls(shop.merchant.settings, o.userResultCallback);
  const customer: Record<string, string> = {};
  if (o.clientid !== null) customer.reference = o.clientid;
  if (o.clientEmail !== null) customer.email = o.clientEmail;
  if (o.clientPhone !== null) customer.phone = o.clientPhone;
  const created = orFail(
    await host.engine.createPayment({
      merchantId: shop.merchant.id,
      origin: 'paykeeper',
      amountMinor: o.amountMinor,
      currency: 'RUB',
      externalId: o.orderid,
      description: o.serviceName,
      customer,
      // what PayKeeper keeps of the order beside the payment: the receipt's lines and the language
      metadata: {
        paykeeper: {
          ...(o.cart && { cart: storedCart(o.cart) }),
          ...(o.lang && { lang: o.lang }),
          ...(o.receiptProperties !== null && { receipt_properties: o.receiptProperties }),
          ...(o.pstype && { pstype: o.pstype }),
        },
      },
      ...(returnUrls && { returnUrls }),
    }),
  );
  const lang = o.lang === 'ru' || o.lang === 'en' ? `?lang=${o.lang}` : '';
  // 303: the browser follows a form's POST with a GET of the payment page
  reply
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .redirect(`/pay/${created.payment.publicId}${lang}`, 303);
  return undefined;
};

export const createFormRoutes: readonly PkRoute[] = [
  { method: 'POST', path: '/m/:login/create/', auth: 'none', handler: create },
];
