import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testFlavors } from '../../helpers/databases.ts';
import { skip } from '../chromium.ts';
import { type CabinetHarness, startCabinet } from './harness.ts';

/**
 * The organization's `cabinet` flags (4.3) in Chromium: an administrator hides the Invoices
 * tab in Settings, and it leaves the tab bar at once; a bookmark to it routes away; a clerk
 * logging in afterwards does not see it either; switched back, it returns. The payment
 * buttons (4.8 / `enabled_buttons`): a bad list is named before it is sent, a good one is
 * saved. On both databases.
 */
for (const flavor of await testFlavors()) {
  describe(`cabinet flags in Chromium on ${flavor}`, { skip }, () => {
    let cab: CabinetHarness;
    before(async () => {
      cab = await startCabinet(flavor);
    });
    after(async () => {
      await cab?.close();
    });

    const tabNames = async (page: import('playwright-core').Page) =>
      (await page.getByRole('navigation').getByRole('link').allTextContents()).map((s) => s.trim());

    test('a hidden tab disappears for the admin who hides it and for a clerk', async () => {
      const page = await cab.logIn(cab.admin);
      assert.deepEqual(await tabNames(page), ['Statistics', 'Payments', 'Invoices', 'Settings']);
      await page.goto(`${cab.url}/cabinet/settings`);
      const flags = page.getByTestId('settings-cabinet');
      await flags.getByLabel('Hide the Invoices tab').check();
      await flags.getByRole('button', { name: 'Save' }).click();
      await flags.getByText('Saved.').waitFor();
      await page
        .getByRole('navigation')
        .getByRole('link', { name: 'Invoices' })
        .waitFor({ state: 'detached' });
      assert.deepEqual(await tabNames(page), ['Statistics', 'Payments', 'Settings']);
      const merchant = await cab.gw.engine.getMerchant(cab.merchant.merchantId);
      assert.equal(merchant?.settings['cabinet.hide_invoices'], true);
      // a bookmark to the hidden tab lands on the first shown one
      await page.goto(`${cab.url}/cabinet/invoices`);
      await page.waitForURL(/\/cabinet\/statistics/);
      await cab.screenshot(page, 'flags-admin');

      // a clerk, who cannot switch flags, sees the tab hidden too
      const clerk = await cab.logIn(cab.clerk);
      assert.deepEqual(await tabNames(clerk), ['Statistics', 'Payments', 'Settings']);
      await clerk.goto(`${cab.url}/cabinet/invoices/new`);
      await clerk.waitForURL(/\/cabinet\/statistics/);
      assert.equal(await clerk.getByTestId('settings-cabinet').count(), 0);

      // switched back, the tab returns
      await page.goto(`${cab.url}/cabinet/settings`);
      await flags.getByLabel('Hide the Invoices tab').uncheck();
      await flags.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('navigation').getByRole('link', { name: 'Invoices' }).waitFor();
      await clerk.reload();
      await clerk.getByRole('navigation').getByRole('link', { name: 'Invoices' }).waitFor();
    });

    test('the payment buttons: a bad list is named, a good one saved', async () => {
      const page = await cab.logIn(cab.admin, { locale: 'ru-RU' });
      await page.goto(`${cab.url}/cabinet/settings`);
      const buttons = page.getByTestId('settings-buttons');
      const field = buttons.getByLabel('Включённые кнопки');
      await field.fill('kopek.card, Visa');
      await buttons.getByRole('button', { name: 'Сохранить' }).click();
      await buttons.getByText(/Список через запятую из имён вида банк\.метод/).waitFor();
      await field.fill('kopek.card, opb.sbp');
      await buttons.getByRole('button', { name: 'Сохранить' }).click();
      await buttons.getByText('Сохранено.').waitFor();
      const merchant = await cab.gw.engine.getMerchant(cab.merchant.merchantId);
      assert.deepEqual(merchant?.settings.enabledButtons, ['kopek.card', 'opb.sbp']);
      await page.reload();
      assert.equal(
        await page.getByTestId('settings-buttons').getByLabel('Включённые кнопки').inputValue(),
        'kopek.card, opb.sbp',
      );
      await cab.screenshot(page, 'flags-buttons-ru');
    });
  });
}
