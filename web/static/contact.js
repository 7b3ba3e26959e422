// Noren contact forms: computes the proof of work the form's challenge asks
// for, so that a message is sent at once instead of through the short wait
// that browsers without JavaScript get. It looks for a counter such that
// SHA-256(challenge + counter) starts with the number of zero bits in the
// form's data-noren-pow attribute, working in slices so the page stays
// responsive, and fills in the form's "pow" field.
(function () {
  'use strict';
  var form = document.querySelector('form[data-noren-pow]');
  if (!form || !Math.clz32) return;
  var need = +form.getAttribute('data-noren-pow');
  var prefix = form.elements.challenge.value;
  var status = form.querySelector('.contact__status');
  var K = [], H = [], n = 2, d, counter = 0, done = false, waiting = false;

  // The constants are the fractional parts of the square and cube roots of
  // the first primes, as the standard defines them.
  for (; K.length < 64; n++) {
    for (d = 2; d * d <= n && n % d; d++);
    if (d * d > n) {
      if (H.length < 8) H.push(Math.sqrt(n) * 4294967296 | 0);
      K.push(Math.cbrt(n) * 4294967296 | 0);
    }
  }

  function ror(x, r) { return x >>> r | x << (32 - r); }

  // first returns the first 32 bits of the SHA-256 of an ASCII string.
  function first(s) {
    var l = s.length, m = [], w = [], h = H.slice(), i, j, a, b, c, d, e, f, g, k, t, u, x, y, n;
    for (i = 0; i < l; i++) m[i >> 2] |= s.charCodeAt(i) << (24 - i % 4 * 8);
    m[l >> 2] |= 0x80 << (24 - l % 4 * 8);
    n = ((l + 8) >> 6 << 4) + 16;
    m[n - 1] = l * 8;
    for (i = 0; i < n; i += 16) {
      a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
      for (j = 0; j < 64; j++) {
        if (j < 16) w[j] = m[i + j] | 0;
        else {
          x = w[j - 15]; y = w[j - 2];
          w[j] = w[j - 16] + (ror(x, 7) ^ ror(x, 18) ^ x >>> 3) + w[j - 7] + (ror(y, 17) ^ ror(y, 19) ^ y >>> 10) | 0;
        }
        t = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + (e & f ^ ~e & g) + K[j] + w[j] | 0;
        u = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + (a & b ^ a & c ^ b & c) | 0;
        k = g; g = f; f = e; e = d + t | 0; d = c; c = b; b = a; a = t + u | 0;
      }
      h = [h[0] + a | 0, h[1] + b | 0, h[2] + c | 0, h[3] + d | 0, h[4] + e | 0, h[5] + f | 0, h[6] + g | 0, h[7] + k | 0];
    }
    return h[0];
  }

  function work() {
    for (var end = counter + 3000; counter < end; counter++) {
      if (Math.clz32(first(prefix + counter)) >= need) {
        form.elements.pow.value = '' + counter;
        done = true;
        if (waiting) form.submit();
        return;
      }
    }
    setTimeout(work, 0);
  }

  form.addEventListener('submit', function (ev) {
    if (done) return;
    ev.preventDefault();
    waiting = true;
    if (status) status.textContent = form.getAttribute('data-noren-pow-wait');
  });
  setTimeout(work, 0);
})();
