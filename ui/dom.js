// Element helpers. SECURITY: text only. Everything from the monitoring servers is inserted with
// textContent / createTextNode / setAttribute on inert attributes; never innerHTML.

export const $ = (id) => document.getElementById(id);

export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

export function button(text, cls, onClick) {
  const b = el('button', cls || 'tbbtn', text);
  b.type = 'button';
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

export function text(s) {
  return document.createTextNode(s);
}

// A blob: URL for an SVG document, shown through <img src>: never parsed into the page.
export function svgUrl(svg) {
  const blob = new Blob([svg === undefined || svg === null ? '' : String(svg)], { type: 'image/svg+xml' });
  return URL.createObjectURL(blob);
}
