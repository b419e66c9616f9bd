// Submits `form[data-autosubmit]` as soon as the page loads: the hops of 3-D Secure (to the
// ACS, back from it, the 3DS Method answer) are form POSTs that need no click. The CSP allows
// no inline script, hence this file; without JavaScript the form's own button does the same.
//
// A form marked `data-after-method` waits for the 3DS Method step first: the method form is
// posted into the hidden iframe, and the challenge goes once our notification page has loaded
// there (it carries `data-method-complete`) or after ten seconds, the limit EMV 3DS sets.
//
// A page reached again through the history (the back button from the bank's page) submits
// nothing by itself: the payer would be bounced straight back. Its buttons (continue, cancel)
// let them choose.
(() => {
  const methodTimeoutMs = 10_000;
  const form = document.querySelector('form[data-autosubmit]');
  if (!form) return;
  if (performance.getEntriesByType?.('navigation')[0]?.type === 'back_forward') return;

  let sent = false;
  const submit = () => {
    if (sent) return;
    sent = true;
    form.submit();
  };

  const methodForm = document.getElementById('tds-method-form');
  const frame = document.getElementById('tds-method');
  if (!form.hasAttribute('data-after-method') || !methodForm || !frame) {
    submit();
    return;
  }

  frame.addEventListener('load', () => {
    let done = false;
    try {
      // Readable only once the frame is back on our origin, i.e. on the notification page.
      done = Boolean(frame.contentDocument?.querySelector('[data-method-complete]'));
    } catch {
      done = false; // still on the ACS's origin
    }
    if (done) submit();
  });
  setTimeout(submit, methodTimeoutMs);
  methodForm.submit();
})();
