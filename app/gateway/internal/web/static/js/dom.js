// Building the page without HTML strings: every text a user wrote (names, titles, comments,
// messages) becomes a text node, never markup.

// h creates an element. attrs: "class", "text", on<event> handlers, booleans, other attributes;
// children: nodes or strings (as text).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// safeURL lets through the links the server hands out (http, https, or a path on this
// server) and nothing else.
export function safeURL(u) {
  if (typeof u !== 'string' || u === '') return '';
  try {
    const url = new URL(u, location.href);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : '';
  } catch {
    return '';
  }
}

// count writes 12345 as 1.2w, as the app does from ten thousand on.
export function count(n) {
  if (n >= 10000) return `${(n / 10000).toFixed(1).replace(/\.0$/, '')}w`;
  return String(n);
}

let toastTimer;
// toast shows a short message at the bottom of the screen.
export function toast(message) {
  const t = document.getElementById('toast');
  t.textContent = message;
  t.classList.add('shown');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('shown'), 3500);
}

export function avatar(user, size = '') {
  return h('img', { class: `avatar ${size}`, src: safeURL(user.avatar), alt: '' });
}

// userRow is a user in a list: avatar, name, signature, a link to the profile.
export function userRow(user, extra) {
  return h('li', { class: 'user-row' },
    h('a', { href: `#/user/${user.id}`, class: 'user-link' },
      avatar(user),
      h('span', { class: 'user-text' },
        h('span', { class: 'name', text: user.name }),
        h('span', { class: 'sub', text: extra === undefined ? user.signature : extra }))));
}

// backButton goes back where the person came from, or to the feed when this page was opened
// straight at this screen (going back would leave the site).
export function backButton() {
  return h('button', {
    class: 'back', type: 'button', 'aria-label': 'Back',
    onclick: () => { if (history.length > 1) history.back(); else location.hash = '#/'; },
  }, '‹');
}

// heading is a screen's title bar with a back button.
export function heading(title) {
  return h('header', { class: 'bar' },
    backButton(),
    h('h1', { text: title }));
}

export function empty(text) {
  return h('p', { class: 'empty', text });
}

// Icons are drawn here, not taken from a font: the page needs nothing the machine may lack.
const ICONS = {
  heart: 'M12 21s-7.5-4.6-10-9.2C.4 8.7 2.1 4.5 6 4.1c2.4-.3 4.4 1.1 6 3.1 1.6-2 3.6-3.4 6-3.1 3.9.4 5.6 4.6 4 7.7C19.5 16.4 12 21 12 21z',
  comment: 'M12 3C6.5 3 2 6.8 2 11.5c0 2.4 1.2 4.6 3.1 6.1L4 22l4.6-2.5c1.1.3 2.2.5 3.4.5 5.5 0 10-3.8 10-8.5S17.5 3 12 3z',
  muted: 'M3 9v6h4l5 5V4L7 9H3zm13.6 3 2.7-2.7-1.4-1.4-2.7 2.7-2.7-2.7-1.4 1.4 2.7 2.7-2.7 2.7 1.4 1.4 2.7-2.7 2.7 2.7 1.4-1.4z',
  play: 'M8 5v14l11-7z',
};

export function icon(name) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', `icon icon-${name}`);
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}
