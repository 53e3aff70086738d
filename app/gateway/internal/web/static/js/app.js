// The Douyin web client: a hash router over the screens. The feed stays alive while another
// screen is open, so coming back finds it where it was.
import { api } from './api.js';
import { h, heading, empty } from './dom.js';
import { session } from './session.js';
import { createPlayer } from './player.js';
import { profileView, usersView, listPlayerView } from './profile.js';
import { meView, publishView } from './me.js';
import { friendsView, chatView } from './chat.js';

const view = document.getElementById('view');
const feedBox = h('div', { id: 'feed', hidden: true });
view.before(feedBox);

const routes = [
  [/^\/?$/, 'feed', null],
  [/^\/me$/, 'me', meView],
  [/^\/publish$/, 'publish', publishView],
  [/^\/friends$/, 'friends', friendsView],
  [/^\/user\/(?<id>\d+)$/, '', profileView],
  [/^\/user\/(?<id>\d+)\/(?<which>follows|followers)$/, '', usersView],
  [/^\/user\/(?<id>\d+)\/(?<which>works|likes)\/(?<index>\d+)$/, '', listPlayerView],
  [/^\/chat\/(?<id>\d+)$/, 'friends', chatView],
];

// The feed: pages of 30 through next_time, endlessly, as the app pages.
let feed = null;
function newFeed() {
  let latest = 0;
  const player = createPlayer({
    label: 'Feed',
    more: async () => {
      const r = await api.feed(latest || undefined);
      latest = r.next_time;
      return { videos: r.video_list, done: r.video_list.length === 0 };
    },
    onEnd: () => {
      player.destroy();
      feed = newFeed();
      feed.activate();
    },
  });
  feedBox.replaceChildren(player.el);
  return player;
}

let cleanups = [];
let generation = 0;

function route() {
  const path = location.hash.replace(/^#/, '') || '/';
  cleanups.forEach((f) => f());
  cleanups = [];
  const gen = ++generation;
  const ctx = {
    alive: () => gen === generation,
    cleanup: (f) => cleanups.push(f),
    params: {},
  };
  let match = null;
  let tab = '';
  let render = null;
  for (const [re, t, fn] of routes) {
    const m = re.exec(path);
    if (m) {
      match = m.groups || {};
      tab = t;
      render = fn;
      break;
    }
  }
  document.querySelectorAll('#tabs a').forEach((a) => {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  document.body.dataset.screen = match ? (tab || path.split('/')[1]) : 'missing';

  if (match && render === null) {
    view.hidden = true;
    view.replaceChildren();
    feedBox.hidden = false;
    if (!feed) feed = newFeed();
    feed.activate();
    return;
  }
  if (feed) feed.deactivate();
  feedBox.hidden = true;
  view.hidden = false;
  view.className = '';
  view.scrollTop = 0;
  if (!match) {
    view.replaceChildren(heading('Not found'), empty('There is no such screen.'));
  } else {
    ctx.params = match;
    render(view, match, ctx);
  }
  // Keyboard and screen-reader users start at the top of the new screen.
  if (!view.contains(document.activeElement)) view.focus({ preventScroll: true });
}

window.addEventListener('hashchange', route);
// Logging in or out redraws the current screen, and the feed's is_favorite/is_follow change.
session.onChange(() => {
  if (feed) {
    feed.destroy();
    feed = null;
  }
  if (!location.hash || location.hash === '#/') route();
});
route();
