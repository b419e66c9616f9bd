/**
 * A payment system as the cabinet names it: PayKeeper's `site_description` is the same for a
 * method in every currency ("Банковские карты" for card_rub and card_usd), so the system's own
 * name (`system_description`, the service code) goes beside it.
 */
export const systemLabel = (s: { site_description: string; system_description: string }): string =>
  s.system_description && s.system_description !== s.site_description
    ? `${s.site_description} · ${s.system_description}`
    : s.site_description;
