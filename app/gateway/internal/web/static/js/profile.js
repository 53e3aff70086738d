// A user's profile (background, avatar, signature, counts, works and likes as grids, follow and
// unfollow, a way to chat), their follow and follower lists, and a pager over their works or
// likes.
import { api } from './api.js';
import { h, safeURL, count, toast, avatar, userRow, heading, empty, backButton } from './dom.js';
import { session } from './session.js';
import { createPlayer } from './player.js';

// profile renders user id's profile into root. extra (optional) adds controls for one's own.
export async function profile(root, id, ctx, extra = null) {
  root.replaceChildren(h('p', { class: 'loading', text: 'Loading…' }));
  let u;
  try {
    u = (await api.user(id)).user;
  } catch (e) {
    root.replaceChildren(heading('Profile'), empty(e.message));
    return;
  }
  if (!ctx.alive()) return;
  const self = session.loggedIn && u.id === session.userId;

  const followBtn = h('button', { type: 'button', class: 'follow', onclick: toggleFollow });
  const followers = h('span', { class: 'n' });
  const renderFollow = () => {
    followBtn.textContent = u.is_follow ? 'Following' : 'Follow';
    followBtn.classList.toggle('primary', !u.is_follow);
    followBtn.setAttribute('aria-pressed', String(u.is_follow));
    followers.textContent = count(u.follower_count);
  };
  renderFollow();

  let busy = false;
  async function toggleFollow() {
    if (!session.loggedIn) {
      toast('Log in to follow people.');
      location.hash = '#/me';
      return;
    }
    if (busy) return;
    busy = true;
    const want = !u.is_follow;
    try {
      await api.follow(u.id, want);
      u.is_follow = want;
      u.follower_count = Math.max(0, u.follower_count + (want ? 1 : -1));
      renderFollow();
    } catch (e) {
      toast(e.message);
    } finally {
      busy = false;
    }
  }

  const stat = (n, label, href) => {
    const inner = [typeof n === 'number' ? h('span', { class: 'n', text: count(n) }) : n, h('span', { class: 'label', text: label })];
    return href ? h('a', { class: 'stat', href }, ...inner) : h('span', { class: 'stat' }, ...inner);
  };

  const grid = h('div', { class: 'grid', role: 'tabpanel' });
  const tabs = [
    { key: 'works', label: `Works ${count(u.work_count)}`, load: () => api.publishList(u.id) },
    { key: 'likes', label: `Likes ${count(u.favorite_count)}`, load: () => api.favoriteList(u.id) },
  ];
  const tabButtons = tabs.map((t) => h('button', { type: 'button', role: 'tab', class: 'tab', 'data-tab': t.key, onclick: () => show(t) }, t.label));

  async function show(t) {
    tabButtons.forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === t.key)));
    grid.replaceChildren(h('p', { class: 'loading', text: 'Loading…' }));
    try {
      const list = (await t.load()).video_list;
      if (!ctx.alive()) return;
      grid.replaceChildren(...list.map((v, i) => h('a', { class: 'cell', href: `#/user/${u.id}/${t.key}/${i}`, 'aria-label': v.title },
        h('img', { src: safeURL(v.cover_url), alt: '', loading: 'lazy' }),
        h('span', { class: 'cell-likes', text: `♥ ${count(v.favorite_count)}` }))));
      if (list.length === 0) grid.append(empty(t.key === 'works' ? 'No works yet.' : 'No liked videos yet.'));
    } catch (e) {
      grid.replaceChildren(empty(e.message));
    }
  }

  root.replaceChildren(
    h('section', { class: 'profile', 'data-user-id': u.id },
      h('div', { class: 'cover' },
        h('img', { class: 'background', src: safeURL(u.background_image), alt: '' }),
        extra ? null : backButton()),
      h('div', { class: 'head' },
        avatar(u, 'large'),
        h('h1', { class: 'name', text: u.name }),
        h('p', { class: 'signature', text: u.signature })),
      h('div', { class: 'stats' },
        stat(u.follow_count, 'Following', `#/user/${u.id}/follows`),
        stat(followers, 'Followers', `#/user/${u.id}/followers`),
        stat(u.total_favorited, 'Likes received'),
        stat(u.work_count, 'Works')),
      h('div', { class: 'actions' },
        self ? extra : [followBtn, session.loggedIn ? h('a', { class: 'button', href: `#/chat/${u.id}` }, 'Message') : null]),
      h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Videos' }, tabButtons),
      grid));
  show(tabs[ctx.params?.tab === 'likes' ? 1 : 0]);
}

export function profileView(root, { id }, ctx) {
  profile(root, Number(id), ctx);
}

// usersView is a follow or follower list.
export async function usersView(root, { id, which }, ctx) {
  const title = which === 'follows' ? 'Following' : 'Followers';
  const list = h('ul', { class: 'users' });
  root.replaceChildren(heading(title), list);
  try {
    const r = which === 'follows' ? await api.followList(Number(id)) : await api.followerList(Number(id));
    if (!ctx.alive()) return;
    list.replaceChildren(...r.user_list.map((u) => userRow(u)));
    if (r.user_list.length === 0) list.append(empty(which === 'follows' ? 'Not following anyone yet.' : 'No followers yet.'));
  } catch (e) {
    list.replaceChildren(empty(e.message));
  }
}

// listPlayerView plays a user's works or likes from the one tapped.
export async function listPlayerView(root, { id, which, index }, ctx) {
  let list;
  try {
    list = which === 'works' ? await api.publishList(Number(id)) : await api.favoriteList(Number(id));
  } catch (e) {
    root.replaceChildren(heading(which === 'works' ? 'Works' : 'Likes'), empty(e.message));
    return;
  }
  if (!ctx.alive()) return;
  const player = createPlayer({ videos: list.video_list, start: Number(index), label: which === 'works' ? 'Works' : 'Liked videos' });
  root.replaceChildren(h('div', { class: 'overlay-bar' },
    backButton()), player.el);
  root.classList.add('full');
  player.activate();
  ctx.cleanup(() => { player.destroy(); root.classList.remove('full'); });
}
