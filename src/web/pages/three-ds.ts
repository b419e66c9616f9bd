/**
 * The gateway's side of the EMV 3DS Method step (the 3DS Server's, in the specification's
 * words). Both messages are base64url-encoded JSON, as the specification has them.
 */

/** What the payer's browser POSTs to the ACS's method URL, in the hidden iframe. */
export const threeDsMethodData = (threeDsServerTransId: string, notificationUrl: string): string =>
  Buffer.from(
    JSON.stringify({
      threeDSServerTransID: threeDsServerTransId,
      threeDSMethodNotificationURL: notificationUrl,
    }),
  ).toString('base64url');

/** The transaction id in what the ACS POSTed to the notification URL, or null if unreadable. */
export function readMethodNotification(data: unknown): string | null {
  if (typeof data !== 'string' || data.length > 4096) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
    const transId = (parsed as { threeDSServerTransID?: unknown } | null)?.threeDSServerTransID;
    return typeof transId === 'string' ? transId : null;
  } catch {
    return null;
  }
}
