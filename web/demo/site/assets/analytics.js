// Google Analytics configuration. Noren runs this file only once the
// visitor allows Google Analytics, like gtag.js itself.
window.dataLayer = window.dataLayer || [];
function gtag() { dataLayer.push(arguments); }
gtag('js', new Date());
gtag('config', 'G-NOREN0DEMO');
