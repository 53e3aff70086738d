// Friends and chat. The chat polls message/chat every few seconds while it is open, as the app
// does, with pre_msg_time = the create_time of the newest message the server has shown it; a
// message is shown once, whatever the polls answer.
import { api } from './api.js';
import { h, toast, avatar, heading, empty } from './dom.js';
import { session } from './session.js';

const POLL_MS = 3000;

export async function friendsView(root, params, ctx) {
  if (!session.loggedIn) {
    root.replaceChildren(heading('Friends'), h('p', { class: 'empty' }, h('a', { href: '#/me' }, 'Log in'), ' to see your friends.'));
    return;
  }
  const list = h('ul', { class: 'users' });
  root.replaceChildren(heading('Friends'), h('p', { class: 'lead', text: 'People you follow who follow you back.' }), list);
  try {
    const r = await api.friendList(session.userId);
    if (!ctx.alive()) return;
    list.replaceChildren(...r.user_list.map((f) => h('li', { class: 'user-row' },
      h('a', { href: `#/chat/${f.id}`, class: 'user-link', 'aria-label': `Chat with ${f.name}` },
        avatar(f),
        h('span', { class: 'user-text' },
          h('span', { class: 'name', text: f.name }),
          h('span', { class: 'sub', text: f.message ? (f.msgType === 1 ? `You: ${f.message}` : f.message) : 'Say hello!' }))),
      h('a', { href: `#/user/${f.id}`, class: 'button small' }, 'Profile'))));
    if (r.user_list.length === 0) list.append(empty('No friends yet: follow people, and when they follow back they show here.'));
  } catch (e) {
    list.replaceChildren(empty(e.message));
  }
}

export async function chatView(root, { id }, ctx) {
  if (!session.loggedIn) {
    root.replaceChildren(heading('Chat'), h('p', { class: 'empty' }, h('a', { href: '#/me' }, 'Log in'), ' to chat.'));
    return;
  }
  const peer = Number(id);
  const bar = heading('Chat');
  const list = h('ol', { class: 'messages', 'aria-live': 'polite' });
  const input = h('input', { type: 'text', name: 'content', maxlength: 1000, autocomplete: 'off', 'aria-label': 'Message', placeholder: 'Message…' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Send');
  const form = h('form', { class: 'chat-form', onsubmit: submit }, input, send);
  root.replaceChildren(bar, list, form);
  root.classList.add('chat');
  ctx.cleanup(() => root.classList.remove('chat'));
  input.focus();

  api.user(peer).then((r) => {
    bar.querySelector('h1').replaceChildren(h('a', { href: `#/user/${peer}`, text: r.user.name }));
  }).catch((e) => toast(e.message));

  const shown = new Set(); // ids of the messages on screen
  const pending = []; // what this page sent, shown before the server has given it an id
  let newest = 0; // create_time of the newest message the server answered

  const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const bubble = (mine, content, ms, mid) => h('li', { class: mine ? 'msg mine' : 'msg', 'data-message-id': mid },
    h('p', { text: content }), h('time', { text: time(ms) }));

  function stick(fn) {
    list.querySelector('.hint')?.remove();
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    fn();
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function receive(messages) {
    stick(() => {
      for (const m of messages) {
        newest = Math.max(newest, m.create_time);
        if (shown.has(m.id)) continue;
        shown.add(m.id);
        const mine = m.from_user_id === session.userId;
        // The whole conversation includes what this page sent: that is already on screen.
        const i = mine ? pending.findIndex((p) => p.content === m.content) : -1;
        if (i >= 0) {
          pending[i].el.dataset.messageId = m.id;
          pending.splice(i, 1);
          continue;
        }
        list.append(bubble(mine, m.content, m.create_time, m.id));
      }
    });
  }

  let polling = false;
  async function poll() {
    if (polling || !ctx.alive()) return;
    polling = true;
    try {
      const r = await api.chat(peer, newest);
      if (ctx.alive()) receive(r.message_list);
    } catch (e) {
      if (ctx.alive()) toast(e.message);
    } finally {
      polling = false;
    }
  }

  async function submit(e) {
    e.preventDefault();
    const content = input.value;
    if (!content.trim()) return;
    send.disabled = true;
    try {
      await api.send(peer, content);
      input.value = '';
      // The server answers polls with the other user's messages only (pre_msg_time > 0), so
      // what this page sent is shown now, from here.
      const el = bubble(true, content, Date.now());
      pending.push({ content, el });
      stick(() => list.append(el));
      list.scrollTop = list.scrollHeight;
    } catch (err) {
      toast(err.message);
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  await poll();
  if (shown.size === 0 && ctx.alive()) list.append(h('li', { class: 'empty hint', text: 'No messages yet.' }));
  const timer = setInterval(() => { if (!document.hidden) poll(); }, POLL_MS);
  ctx.cleanup(() => clearInterval(timer));
}
