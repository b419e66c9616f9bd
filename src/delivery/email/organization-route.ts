import type { MerchantSmtp } from '../../engine/merchants/merchants.ts';
import { isEmailAddress } from './message.ts';
import type { SmtpRoute } from './smtp.ts';

/**
 * An organization's own SMTP server (PayKeeper 5.1 `smtp_*`) as a route. The host is written
 * as PHP mailers take it: `ssl://smtp.yandex.ru` or `tls://…` is TLS from the first byte, as is
 * a bare host on port 465; any other port upgrades when the server offers it. The login is
 * `smtp_user`, which is also the sender when it is an address (else the gateway's sender).
 */
export function organizationRouteOf(smtp: MerchantSmtp, gateway: SmtpRoute): SmtpRoute {
  const wrapped = /^(ssl|tls):\/\//i.exec(smtp.host);
  const host = (wrapped ? smtp.host.slice(wrapped[0].length) : smtp.host).replace(/^\[|\]$/g, '');
  const tls = wrapped !== null || smtp.port === 465;
  const route: SmtpRoute = {
    host,
    port: smtp.port ?? (tls ? 465 : 587),
    security: tls ? 'tls' : 'opportunistic',
    from: smtp.user !== null && isEmailAddress(smtp.user) ? smtp.user : gateway.from,
  };
  if (smtp.user !== null) route.login = smtp.user;
  if (smtp.password !== null) route.password = smtp.password;
  return route;
}

/**
 * The `routeFor` of the e-mail handler: each attempt looks the organization's settings up
 * anew, so a changed server, login or password carries the next e-mail (a retry included);
 * an organization without its own server sends over the gateway's.
 */
export const organizationRoutes =
  (lookup: (merchantId: bigint) => Promise<MerchantSmtp | null>, gateway: SmtpRoute) =>
  async (merchantId: bigint): Promise<SmtpRoute | undefined> => {
    const smtp = await lookup(merchantId);
    return smtp ? organizationRouteOf(smtp, gateway) : undefined;
  };
