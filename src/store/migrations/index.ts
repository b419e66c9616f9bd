import type { Migration } from 'kysely';
import type { Flavor } from '../schema.ts';
import { core } from './0001_core.ts';
import { cardVault } from './0002_card_vault.ts';
import { invoices } from './0004_invoices.ts';
import { moneyPaths } from './0005_money_paths.ts';
import { amountCheckMigration } from './0006_amount_checks.ts';
import { masterKeyChecks } from './0007_master_key_checks.ts';
import { impayPayoutsIdent } from './0010_impay_payouts_ident.ts';
import { hardening } from './0011_hardening.ts';
import { paykeeperRefundRights } from './0012_paykeeper_refund_rights.ts';
import { invoiceAuthors } from './0013_invoice_authors.ts';
import { informerIndex } from './0014_informer.ts';
import { paykeeperSettings } from './0015_paykeeper_settings.ts';
import { registryAtScale } from './0016_registry_at_scale.ts';
import { cabinetSessions } from './0017_cabinet_sessions.ts';

/**
 * Every migration, by name; they run in name order, once each, on SQLite and PostgreSQL
 * alike. A released migration never changes: add a new file and a line here.
 */
export function migrations(flavor: Flavor): Record<string, Migration> {
  return {
    '0001_core': core(flavor),
    '0002_card_vault': cardVault(),
    '0004_invoices': invoices(),
    '0005_money_paths': moneyPaths(),
    '0006_amount_checks': amountCheckMigration(flavor),
    '0007_master_key_checks': masterKeyChecks(),
    '0010_impay_payouts_ident': impayPayoutsIdent(flavor),
    '0011_hardening': hardening(),
    '0012_paykeeper_refund_rights': paykeeperRefundRights(flavor),
    '0013_invoice_authors': invoiceAuthors(),
    '0014_informer': informerIndex(),
    '0015_paykeeper_settings': paykeeperSettings(flavor),
    '0016_registry_at_scale': registryAtScale(),
    '0017_cabinet_sessions': cabinetSessions(flavor),
  };
}
