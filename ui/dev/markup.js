// DEVELOPMENT ONLY (never loaded by the app): puts the real ../index.html's body into this dev page,
// so there is one copy of the markup. Imported by load-app.js before ../main.js.
//
// A synchronous request, on purpose: the markup is in place when the next module (main.js) runs, and
// there is no asynchronous gap in which headless chromium's --virtual-time-budget could run out
// (file: loads started after the load event do not hold virtual time).

const INDEX = new URL('../index.html', import.meta.url).href;

function readSync(url) {
  const x = new XMLHttpRequest();
  x.open('GET', url, false); // file: URLs need chromium's --allow-file-access-from-files
  x.send();
  if (!(x.status === 200 || (x.status === 0 && x.responseText))) throw new Error(url + ': HTTP ' + x.status);
  return x.responseText;
}

const doc = new DOMParser().parseFromString(readSync(INDEX), 'text/html');

// What the app's page loads: one module, main.js (load-app.js imports it; noticed here if that changes).
const scripts = Array.from(doc.querySelectorAll('script'));
if (!(scripts.length === 1 && scripts[0].type === 'module' && scripts[0].getAttribute('src') === 'main.js')) {
  throw new Error('index.html: expected one <script type="module" src="main.js">, found ' + scripts.length + ' script(s): ' + scripts.map((s) => (s.type || 'classic') + ' ' + s.getAttribute('src')).join(', '));
}
scripts.forEach((s) => s.remove());

for (const a of Array.from(doc.body.attributes)) document.body.setAttribute(a.name, a.value);
const mark = document.body.firstChild;
for (const n of Array.from(doc.body.childNodes)) document.body.insertBefore(document.importNode(n, true), mark);

// the CSP of the app's page, for the checks (the dev pages' own differs only in connect-src 'self')
const csp = doc.querySelector('meta[http-equiv="Content-Security-Policy"]');
export const indexCsp = csp ? csp.getAttribute('content') : '';
