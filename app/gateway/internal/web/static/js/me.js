// Me: logging in or registering, one's own profile, and publishing.
import { api } from './api.js';
import { h, toast, heading } from './dom.js';
import { session } from './session.js';
import { profile } from './profile.js';

// authForm asks for a username and password, to log in or register. The server's refusal is
// shown in its own words.
function authForm(root, why) {
  const username = h('input', { type: 'text', name: 'username', id: 'username', autocomplete: 'username', required: true, maxlength: 32 });
  const password = h('input', { type: 'password', name: 'password', id: 'password', autocomplete: 'current-password', required: true, maxlength: 32 });
  const error = h('p', { class: 'error', role: 'alert' });
  const submit = async (register) => {
    if (!form.reportValidity()) return;
    error.textContent = '';
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const r = register ? await api.register(username.value, password.value) : await api.login(username.value, password.value);
      session.set(r.user_id, r.token, username.value);
      toast(register ? 'Welcome! Your account is ready.' : 'Logged in.');
    } catch (e) {
      error.textContent = e.message;
    } finally {
      form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
  };
  const form = h('form', { class: 'auth', onsubmit: (e) => { e.preventDefault(); submit(false); } },
    h('label', { for: 'username' }, 'Username'), username,
    h('label', { for: 'password' }, 'Password'), password,
    error,
    h('div', { class: 'row' },
      h('button', { type: 'submit', class: 'primary', name: 'login' }, 'Log in'),
      h('button', { type: 'button', name: 'register', onclick: () => submit(true) }, 'Register')));
  root.replaceChildren(heading('Log in'), h('p', { class: 'lead', text: why }), form);
  username.focus();
}

export function meView(root, params, ctx) {
  const render = () => {
    if (!session.loggedIn) {
      authForm(root, 'Log in or create an account to like, comment, follow, chat and publish.');
      return;
    }
    profile(root, session.userId, ctx, [
      h('a', { class: 'button primary', href: '#/publish' }, 'Publish'),
      h('a', { class: 'button', href: '#/friends' }, 'Friends'),
      h('button', { type: 'button', name: 'logout', onclick: () => { session.clear(); toast('Logged out.'); } }, 'Log out'),
    ]);
  };
  render();
  ctx.cleanup(session.onChange(render));
}

export function publishView(root, params, ctx) {
  const render = () => {
    if (!session.loggedIn) {
      authForm(root, 'Log in to publish a video.');
      return;
    }
    publishForm(root);
  };
  render();
  ctx.cleanup(session.onChange(render));
}

function publishForm(root) {
  const title = h('input', { type: 'text', id: 'title', name: 'title', required: true, maxlength: 100, autocomplete: 'off' });
  const file = h('input', { type: 'file', id: 'file', name: 'data', required: true, accept: 'video/mp4,video/quicktime,.mp4,.mov' });
  const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Upload progress' });
  const percent = h('span', { class: 'percent' });
  const progress = h('div', { class: 'progress', hidden: true }, bar, percent);
  const error = h('p', { class: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Publish');
  const form = h('form', { class: 'publish', onsubmit: submit },
    h('label', { for: 'title' }, 'Title'), title,
    h('label', { for: 'file' }, 'Video (mp4 or mov)'), file,
    progress, error, button);
  root.replaceChildren(heading('Publish'), form);
  title.focus();

  async function submit(e) {
    e.preventDefault();
    if (!form.reportValidity()) return;
    error.textContent = '';
    button.disabled = true;
    progress.hidden = false;
    const show = (f) => {
      bar.value = f;
      percent.textContent = f < 1 ? `Uploading ${Math.floor(f * 100)}%` : 'Uploaded, processing…';
    };
    show(0);
    try {
      await api.publish(file.files[0], title.value, show);
      toast('Published.');
      location.hash = '#/me';
    } catch (err) {
      error.textContent = err.message;
      progress.hidden = true;
    } finally {
      button.disabled = false;
    }
  }
}
