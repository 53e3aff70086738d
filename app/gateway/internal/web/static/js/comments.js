// The comment sheet of a video: the list (newest first), a box to post, and a delete button
// on one's own comments. A modal dialog, so Tab stays inside it and Escape closes it.
import { api } from './api.js';
import { h, toast, avatar, count } from './dom.js';
import { session } from './session.js';

export function openComments(v, onChange) {
  const title = h('h2', { id: `comments-${v.id}` });
  const list = h('ul', { class: 'comments', 'aria-live': 'polite' });
  const input = h('input', {
    type: 'text', name: 'comment', maxlength: 500, autocomplete: 'off', 'aria-label': 'Your comment',
    placeholder: session.loggedIn ? 'Add a comment…' : 'Log in to comment', disabled: !session.loggedIn,
  });
  const send = h('button', { type: 'submit', class: 'primary', disabled: !session.loggedIn }, 'Send');
  const form = h('form', { class: 'comment-form', onsubmit: post }, input, send);
  const close = h('button', { type: 'button', class: 'close', 'aria-label': 'Close comments', onclick: () => dlg.close() }, '×');
  const dlg = h('dialog', { class: 'sheet', 'aria-labelledby': title.id },
    h('header', {}, title, close), list,
    session.loggedIn ? form : h('p', { class: 'login-hint' }, h('a', { href: '#/me', onclick: () => dlg.close() }, 'Log in'), ' to comment.'));
  dlg.addEventListener('close', () => dlg.remove());
  // A click on the backdrop (outside the sheet's box) closes it.
  dlg.addEventListener('click', (e) => { if (e.target === dlg) dlg.close(); });
  document.body.append(dlg);
  dlg.showModal();
  (session.loggedIn ? input : close).focus();

  const setTitle = () => { title.textContent = v.comment_count === 1 ? '1 comment' : `${count(v.comment_count)} comments`; };
  setTitle();

  function row(c) {
    const mine = session.loggedIn && c.user.id === session.userId;
    const li = h('li', { class: 'comment', 'data-comment-id': c.id },
      h('a', { href: `#/user/${c.user.id}`, onclick: () => dlg.close(), 'aria-label': `${c.user.name}'s profile` }, avatar(c.user, 'small')),
      h('div', { class: 'comment-body' },
        h('span', { class: 'name', text: c.user.name }),
        h('p', { class: 'content', text: c.content }),
        h('span', { class: 'date', text: c.create_date })),
      mine ? h('button', { type: 'button', class: 'link danger', onclick: () => remove(c, li) }, 'Delete') : null);
    return li;
  }

  async function load() {
    try {
      const r = await api.comments(v.id);
      list.replaceChildren(...r.comment_list.map(row));
      // The count came with the video, maybe a while ago: a longer list is newer news. (A
      // shorter one may be the server's bound on lists, so it never lowers the count.)
      if (r.comment_list.length > v.comment_count) {
        v.comment_count = r.comment_list.length;
        setTitle();
        onChange();
      }
      if (r.comment_list.length === 0) list.append(h('li', { class: 'empty', text: 'No comments yet. Be the first.' }));
    } catch (e) {
      list.replaceChildren(h('li', { class: 'empty error', text: e.message }));
    }
  }

  async function post(e) {
    e.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    send.disabled = true;
    try {
      const r = await api.comment(v.id, text);
      list.querySelector('.empty')?.remove();
      list.prepend(row(r.comment));
      input.value = '';
      v.comment_count += 1;
      setTitle();
      onChange();
    } catch (err) {
      toast(err.message);
    } finally {
      send.disabled = false;
      input.focus();
    }
  }

  async function remove(c, li) {
    try {
      await api.deleteComment(v.id, c.id);
      li.remove();
      v.comment_count = Math.max(0, v.comment_count - 1);
      setTitle();
      onChange();
      toast('Comment deleted.');
    } catch (err) {
      toast(err.message);
    }
  }

  load();
}
