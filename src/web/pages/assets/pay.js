// The card form in the browser: live formatting, brand detection and the same checks the
// server makes (src/web/pages/card-form.ts on src/domain/card.ts). They only save the payer a
// round trip; the server decides. Loaded as an external script: the CSP allows no inline code.
// The pure helpers are exposed as `kopekCard` so a test can hold them against the domain rules.
(() => {
  const panDigitsMax = 19;

  // Mirrors cardBrand() in src/domain/card.ts.
  function brandOf(pan) {
    const p2 = Number(pan.slice(0, 2));
    const p4 = Number(pan.slice(0, 4));
    if (pan.length >= 4 && p4 >= 2200 && p4 <= 2204) return 'mir';
    if (pan.startsWith('4')) return 'visa';
    if ((p2 >= 51 && p2 <= 55) || (pan.length >= 4 && p4 >= 2221 && p4 <= 2720)) return 'mastercard';
    if (p2 === 34 || p2 === 37) return 'amex';
    if (pan.length >= 4 && p4 >= 3528 && p4 <= 3589) return 'jcb';
    if (p2 === 62) return 'unionpay';
    if (pan.length >= 2 && (p2 === 50 || (p2 >= 56 && p2 <= 69))) return 'maestro';
    return 'unknown';
  }

  function luhnValid(digits) {
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = digits.charCodeAt(digits.length - 1 - i) - 48;
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return sum % 10 === 0;
  }

  const brandLabels = {
    visa: 'VISA',
    mastercard: 'Mastercard',
    mir: 'МИР',
    amex: 'AMEX',
    unionpay: 'UnionPay',
    jcb: 'JCB',
    maestro: 'Maestro',
    unknown: '',
  };

  /** `378282246310005` → `3782 822463 10005` (Amex 4-6-5), others in fours. */
  function formatPan(digits) {
    if (brandOf(digits) === 'amex') {
      return [digits.slice(0, 4), digits.slice(4, 10), digits.slice(10, 15)].filter(Boolean).join(' ');
    }
    return digits.replace(/(\d{4})(?=\d)/g, '$1 ');
  }

  /**
   * Typing `1` `2` `2` `8` gives `12/28`; a leading 2–9 is a month of one digit: `4` → `04/`.
   * Autofill may bring `12/2028`: that becomes `12/28`, not `12/20`.
   */
  function formatExpiry(value, deleting) {
    const full = /^(\d{2})\s*\/\s*(\d{4})$/.exec(value.trim());
    if (full) return `${full[1]}/${full[2].slice(2)}`;
    let digits = value.replace(/\D/g, '');
    if (digits.length === 1 && digits > '1') digits = `0${digits}`;
    digits = digits.slice(0, 4);
    if (digits.length > 2) return `${digits.slice(0, 2)}/${digits.slice(2)}`;
    if (digits.length === 2 && !deleting) return `${digits}/`;
    return digits;
  }

  /** `José Müller` → `Jose Muller`: decomposed (NFD), combining marks dropped, as the server does. */
  function withoutAccents(text) {
    return text.normalize('NFD').replace(/\p{M}/gu, '');
  }

  /** One error code per field, or none; the codes and rules are the server's. */
  function checkCard(fields, now) {
    const errors = {};
    const pan = fields.pan.replace(/[\s-]/g, '');
    if (pan === '') errors.pan = 'required';
    else if (!/^\d{13,19}$/.test(pan) || !luhnValid(pan)) errors.pan = 'pan_invalid';

    const exp = fields.exp.trim();
    const m = /^(\d{2})\s*\/?\s*(\d{2}|\d{4})$/.exec(exp);
    if (exp === '') errors.exp = 'required';
    else if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) errors.exp = 'exp_invalid';
    else {
      const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
      const month = Number(m[1]);
      const y = now.getUTCFullYear();
      const mo = now.getUTCMonth() + 1;
      if (year < y || (year === y && month < mo)) errors.exp = 'exp_past';
    }

    const cvc = fields.cvc.trim();
    const cvcDigits = !errors.pan && brandOf(pan) === 'amex' ? 4 : 3;
    if (cvc === '') errors.cvc = 'required';
    else if (!new RegExp(`^\\d{${cvcDigits}}$`).test(cvc)) errors.cvc = 'cvc_invalid';

    const holder = withoutAccents(fields.holder).trim().replace(/\s+/g, ' ');
    if (holder === '') errors.holder = 'required';
    else if (!/^[A-Za-z][A-Za-z .'-]{0,99}$/.test(holder)) errors.holder = 'holder_invalid';
    return errors;
  }

  globalThis.kopekCard = { brandOf, luhnValid, formatPan, formatExpiry, checkCard, withoutAccents };
  if (typeof document === 'undefined') return;

  const form = document.getElementById('pay-form');
  if (!form) return;
  const messages = JSON.parse(form.dataset.errors || '{}');
  const inputs = {
    pan: document.getElementById('pan'),
    exp: document.getElementById('exp'),
    cvc: document.getElementById('cvc'),
    holder: document.getElementById('holder'),
  };
  const brandBadge = document.getElementById('brand');
  const summary = document.getElementById('form-error');
  const payButton = document.getElementById('pay');
  form.noValidate = true; // our messages, beside the fields, in the page's language

  function showError(name, code) {
    const input = inputs[name];
    const box = document.getElementById(`${name}-error`);
    if (code) {
      input.setAttribute('aria-invalid', 'true');
      box.textContent = messages[code] || '';
    } else {
      input.removeAttribute('aria-invalid');
      box.textContent = '';
    }
  }

  const values = () => ({
    pan: inputs.pan.value,
    exp: inputs.exp.value,
    cvc: inputs.cvc.value,
    holder: inputs.holder.value,
  });

  /**
   * Puts `format(value)` in the field and the caret back where it was. Where that is: after
   * the same number of digits (`byDigits`, the card number, whose spaces come and go), or
   * else after what the text before the caret becomes (the holder, upper-cased in place).
   */
  function reformat(input, format, byDigits) {
    const caret = input.selectionStart ?? input.value.length;
    const before = input.value.slice(0, caret);
    const next = format(input.value);
    if (next === input.value) return;
    input.value = next;
    const pos = byDigits ? afterDigits(next, before.replace(/\D/g, '').length) : format(before).length;
    if (document.activeElement === input) input.setSelectionRange(pos, pos);
  }

  /** The index in `text` just after its `count`-th digit. */
  function afterDigits(text, count) {
    let pos = 0;
    for (let seen = 0; pos < text.length && seen < count; pos++) if (/\d/.test(text[pos])) seen++;
    return pos;
  }

  function onPan() {
    reformat(
      inputs.pan,
      (v) => {
        const digits = v.replace(/\D/g, '');
        const max = brandOf(digits) === 'amex' ? 15 : panDigitsMax;
        return formatPan(digits.slice(0, max));
      },
      true,
    );
    const digits = inputs.pan.value.replace(/\D/g, '');
    const brand = digits.length >= 1 ? brandOf(digits) : 'unknown';
    brandBadge.dataset.brand = brand;
    brandBadge.textContent = brandLabels[brand];
    const amex = brand === 'amex';
    inputs.cvc.maxLength = amex ? 4 : 3;
    inputs.cvc.placeholder = amex ? '••••' : '•••';
    showError('pan', null);
  }

  inputs.pan.addEventListener('input', onPan);
  inputs.exp.addEventListener('input', (event) => {
    const deleting = event.inputType?.startsWith('delete');
    inputs.exp.value = formatExpiry(inputs.exp.value, deleting);
    showError('exp', null);
  });
  inputs.cvc.addEventListener('input', () => {
    inputs.cvc.value = inputs.cvc.value.replace(/\D/g, '').slice(0, inputs.cvc.maxLength);
    showError('cvc', null);
  });
  inputs.holder.addEventListener('input', () => {
    reformat(inputs.holder, (v) => v.toUpperCase(), false);
    showError('holder', null);
  });

  // A field is judged when the payer leaves it with something typed, not while typing.
  for (const name of Object.keys(inputs)) {
    inputs[name].addEventListener('blur', () => {
      if (inputs[name].value.trim() === '') return;
      showError(name, checkCard(values(), new Date())[name]);
    });
  }

  form.addEventListener('submit', (event) => {
    const errors = checkCard(values(), new Date());
    for (const name of Object.keys(inputs)) showError(name, errors[name]);
    const first = Object.keys(inputs).find((name) => errors[name]);
    if (first) {
      event.preventDefault();
      summary.hidden = false;
      inputs[first].focus();
      return;
    }
    summary.hidden = true;
    // One attempt per click: a double click must not become two bank calls.
    payButton.disabled = true;
    payButton.setAttribute('aria-busy', 'true');
  });

  // Back from the bank via the history: the page may come from the cache with the button off.
  window.addEventListener('pageshow', () => {
    payButton.disabled = false;
    payButton.removeAttribute('aria-busy');
  });

  if (inputs.pan.value) onPan();

  // The server marks what needs attention after a refused submission or a decline with
  // `autofocus`; should the browser not have honoured it, give the focus here.
  const wanted = document.querySelector('[autofocus]');
  if (wanted && (document.activeElement === document.body || document.activeElement === null)) wanted.focus();
})();
