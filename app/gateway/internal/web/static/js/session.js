// The logged-in user, kept in localStorage so that a reload keeps the login, as the app keeps
// its token. The token is the one the server issued; nothing else about the user is trusted
// from storage but their id and name, which the next request confirms.
const KEY = 'douyin.session';

function load() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null');
    if (s && typeof s.token === 'string' && Number.isSafeInteger(s.userId)) return s;
  } catch { /* a damaged entry is no login */ }
  return null;
}

let current = load();
const listeners = new Set();

export const session = {
  get token() { return current ? current.token : ''; },
  get userId() { return current ? current.userId : 0; },
  get name() { return current ? current.name : ''; },
  get loggedIn() { return current !== null; },
  set(userId, token, name) {
    current = { userId, token, name };
    localStorage.setItem(KEY, JSON.stringify(current));
    listeners.forEach((f) => f());
  },
  clear() {
    current = null;
    localStorage.removeItem(KEY);
    listeners.forEach((f) => f());
  },
  onChange(f) { listeners.add(f); return () => listeners.delete(f); },
};

// Another tab logging in or out changes this one too.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  current = load();
  listeners.forEach((f) => f());
});
