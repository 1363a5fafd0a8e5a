// DEVELOPMENT ONLY (never loaded by the app): the real UI in a dev page. The page runs mock.js (a classic
// script defining window.__TAURI__) first; then this module puts ../index.html's markup in (markup.js)
// and starts ../main.js. Modules are evaluated in the order they are imported here.
// Module scripts need http(s), or file: with chromium's --allow-file-access-from-files.
export { indexCsp } from './markup.js';
import '../main.js';
