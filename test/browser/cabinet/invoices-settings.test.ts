import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { type CatchAllSmtp, startCatchAllSmtp } from '../../../src/delivery/email/catch-all.ts';
import { createEmailDelivery } from '../../../src/delivery/email/index.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { skip } from '../chromium.ts';
import { type CabinetHarness, startCabinet } from './harness.ts';

/**
 * The Invoices and Settings tabs in Chromium, as a merchant uses them: an invoice created with
 * its live preview and sent (the test SMTP server gets it), duplicated, revoked; a setting
 * changed (and a bad one refused before it is sent); a user added (and a taken login refused
 * in the server's words); a clerk who sees no administrator's settings. Screenshots in
 * test-artifacts/cabinet/. On both databases.
 */
for (const flavor of await testFlavors()) {
  describe(`invoices and settings in Chromium on ${flavor}`, { skip }, () => {
    let cab: CabinetHarness;
    let smtp: CatchAllSmtp;
    before(async () => {
      smtp = await startCatchAllSmtp();
      const email = createEmailDelivery({ smtpUrl: smtp.url, from: 'bills@kopek.test' });
      cab = await startCabinet(flavor, { handlers: new Map([[email.channel, email.handler]]) });
    });
    after(async () => {
      await cab?.close();
      await smtp?.close();
    });
    beforeEach(() => smtp.clear());

    const listUrl = () => `${cab.url}/cabinet/invoices?start=${cab.period.start}&end=${cab.period.end}`;

    test('creates an invoice with a live preview and sends it to the payer', async () => {
      const page = await cab.logIn(cab.admin);
      await page.goto(`${cab.url}/cabinet/invoices/new`);
      // a bad sum is named before anything is sent
      await page.getByLabel('Amount, ₽').fill('12,345');
      await page.getByRole('button', { name: 'Show the invoice' }).click();
      await page.getByText('Not a sum: digits, and at most two after the point.').waitFor();
      await page.getByLabel('Amount, ₽').fill('1500,50');
      await page.getByLabel("Payer's e-mail").fill('payer@example.ru');
      await page.getByLabel('What is paid for').fill('Консультация');
      await page.getByRole('button', { name: 'Show the invoice' }).click();
      const frame = page.frameLocator('iframe[title="Preview of the invoice e-mail"]');
      await frame
        .getByText(/1500\.50/)
        .first()
        .waitFor();
      const first = await page.getByText(/^Invoice \d+ for 1,500\.50 ₽, not sent yet\.$/).textContent();
      // the preview follows the form
      await page.getByLabel('Amount, ₽').fill('1600');
      await page.getByText(/^Invoice \d+ for 1,600\.00 ₽, not sent yet\.$/).waitFor();
      await frame
        .getByText(/1600\.00/)
        .first()
        .waitFor();
      const shown = await page.getByText(/^Invoice \d+ for 1,600\.00 ₽, not sent yet\.$/).textContent();
      const id = /Invoice (\d+)/.exec(shown ?? '')?.[1];
      assert.ok(id);
      assert.notEqual(first, shown, 'a change made a new invoice');
      await cab.screenshot(page, 'invoices-new');
      await page.getByRole('button', { name: 'Send to payer@example.ru' }).click();
      await page.getByText(`Invoice ${id} is on its way to payer@example.ru.`).waitFor();
      await cab.gw.worker.runOnce();
      const [mail] = smtp.messages();
      assert.ok(mail, 'the test SMTP server got the invoice');
      assert.deepEqual(mail.envelope.to, ['payer@example.ru']);
      assert.match(String(mail.parsed.subject), new RegExp(id));
      assert.match(String(mail.parsed.html), /1600\.00/);
      const invoice = await cab.gw.engine.getInvoice({ id }, cab.merchant.merchantId);
      assert.equal(invoice?.status, 'sent');
    });

    test('lists invoices by period and status, duplicates one, revokes one', async () => {
      const page = await cab.logIn(cab.admin);
      await page.goto(listUrl());
      const row = page.locator('tr[data-testid^="invoice-"]').first();
      await row.getByText('Sent').waitFor();
      const id = (await row.getAttribute('data-testid'))?.replace('invoice-', '');
      assert.ok(id);
      await cab.screenshot(page, 'invoices');
      // filtered to paid ones only: none
      // (the filter lives in the address: the box shows checked once the router has moved)
      await page.getByRole('checkbox', { name: /^Paid/ }).click();
      await page.getByRole('checkbox', { name: /^Paid/, checked: true }).waitFor();
      await page.getByText('No invoices in this period.').waitFor();
      assert.match(page.url(), /status=paid/);
      await page.getByRole('checkbox', { name: /^Paid/ }).click();
      await page.getByRole('checkbox', { name: /^Paid/, checked: false }).waitFor();
      await page.getByTestId(`invoice-${id}`).waitFor();
      // the row opens its details (3.1): who made it, its e-mail
      await page.getByRole('button', { name: id, exact: true }).click();
      await page.getByText('owner').first().waitFor();

      await page.getByRole('link', { name: `Duplicate invoice ${id}` }).click();
      await page.waitForURL(/\/cabinet\/invoices\/new\?from=/);
      await page.getByText(`New invoice, copied from ${id}`).waitFor();
      assert.equal(await page.getByLabel('Amount, ₽').inputValue(), '1600.00');
      assert.equal(await page.getByLabel("Payer's e-mail").inputValue(), 'payer@example.ru');
      assert.equal(await page.getByLabel('Order number').inputValue(), '');
      await page.getByRole('button', { name: 'Show the invoice' }).click();
      const copy = await page.getByText(/^Invoice \d+ for 1,600\.00 ₽, not sent yet\.$/).textContent();
      const copyId = /Invoice (\d+)/.exec(copy ?? '')?.[1];
      assert.ok(copyId && copyId !== id);
      await page.getByRole('button', { name: 'Send to payer@example.ru' }).click();
      await page.getByText(`Invoice ${copyId} is on its way to payer@example.ru.`).waitFor();

      await page.goto(listUrl());
      await page.getByRole('button', { name: `Revoke invoice ${copyId}` }).click();
      await page.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.getByTestId(`invoice-${copyId}`).getByText('Expired or revoked').waitFor();
      const revoked = await cab.gw.engine.getInvoice({ id: copyId }, cab.merchant.merchantId);
      assert.equal(revoked?.status, 'canceled');
    });

    test('changes a setting, refusing a bad value before sending it', async () => {
      const page = await cab.logIn(cab.admin);
      await page.goto(`${cab.url}/cabinet/settings`);
      const informer = page.getByTestId('settings-informer');
      await informer.getByLabel('URL').fill('ftp://shop.example/pk.php');
      await informer.getByRole('button', { name: 'Save' }).click();
      await informer.getByText('Not a web address: it must start with http:// or https://.').waitFor();
      await informer.getByLabel('URL').fill('https://shop.example/paykeeper.php');
      await informer.getByRole('button', { name: 'Save' }).click();
      await informer.getByText('Saved.').waitFor();
      const merchant = await cab.gw.engine.getMerchant(cab.merchant.merchantId);
      assert.equal(merchant?.settings.informerUrl, 'https://shop.example/paykeeper.php');
    });

    test('adds a user; a taken login is refused in the server words', async () => {
      const page = await cab.logIn(cab.admin);
      await page.goto(`${cab.url}/cabinet/settings`);
      const add = page.getByTestId('add-user');
      await add.getByLabel('Login').fill('accountant');
      await add.getByLabel('Password').fill('short');
      await add.getByRole('button', { name: 'Add user' }).click();
      await add.getByText('At least 8 characters (at most 256).').waitFor();
      await add.getByLabel('Password').fill('accountant-pass-1');
      await add.getByLabel('Refunds a day').fill('3');
      await add.getByRole('button', { name: 'Add user' }).click();
      await page.getByTestId('user-accountant').waitFor();
      const users = await cab.gw.engine.listUsers(cab.merchant.merchantId);
      const added = users.find((u) => u.login === 'accountant');
      assert.ok(added);
      assert.deepEqual(added.refunds, { allowed: true, perDay: 3 });
      assert.equal(added.role, 'operator');
      // the server's refusal, shown as it says it
      await add.getByLabel('Login').fill('clerk');
      await add.getByLabel('Password').fill('another-pass-1');
      await add.getByRole('button', { name: 'Add user' }).click();
      await add.getByRole('alert').first().waitFor();
      assert.ok(((await add.getByRole('alert').first().textContent()) ?? '').length > 0);
      await cab.screenshot(page, 'settings');
      // the new user logs in
      const theirs = await cab.logIn({ login: 'accountant', password: 'accountant-pass-1' });
      await theirs.close();
    });

    test('speaks Russian: the invoice form and the settings, checked in Russian too', async () => {
      const page = await cab.logIn(cab.admin, { locale: 'ru-RU' });
      await page.goto(`${cab.url}/cabinet/invoices/new`);
      await page.getByRole('heading', { name: 'Новый счёт' }).waitFor();
      await page.getByLabel('Сумма, ₽').fill('0');
      await page.getByRole('button', { name: 'Показать счёт' }).click();
      await page.getByText('Сумма должна быть больше нуля.').waitFor();
      await cab.screenshot(page, 'invoices-new-ru');
      await page.goto(`${cab.url}/cabinet/settings`);
      await page.getByRole('heading', { name: 'Пользователи' }).waitFor();
      const smtp = page.getByTestId('settings-smtp');
      await smtp.getByLabel('Отправлять через мой SMTP-сервер').check();
      await smtp.getByLabel('Порт').fill('99999');
      await smtp.getByRole('button', { name: 'Сохранить' }).click();
      await smtp.getByText('Порт — число от 1 до 65535.').waitFor();
      await cab.screenshot(page, 'settings-ru');
    });

    test('a clerk sees the organization, and no administrator settings', async () => {
      const page = await cab.logIn(cab.clerk);
      await page.goto(`${cab.url}/cabinet/settings`);
      await page.getByTestId('settings-organization').waitFor();
      await page.getByTestId('settings-not-admin').waitFor();
      for (const part of [
        'settings-contact',
        'settings-informer',
        'settings-pages',
        'settings-smtp',
        'settings-fields',
        'settings-reports',
        'settings-users',
      ])
        assert.equal(await page.getByTestId(part).count(), 0, part);
      await cab.screenshot(page, 'settings-clerk');
    });
  });
}
