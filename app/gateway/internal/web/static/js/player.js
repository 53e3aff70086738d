// The vertical video pager of the feed and of a profile's works and likes: one full-height
// slide per video, scroll-snapped, so a swipe, the wheel or the arrow keys move one video. The
// slide on screen plays (muted until the first tap, as browsers require), the next one is
// preloaded, and the pager asks for more videos three slides before the end.
import { api } from './api.js';
import { h, safeURL, count, toast, avatar, icon } from './dom.js';
import { session } from './session.js';
import { openComments } from './comments.js';

// sound is shared by every pager: once the person tapped, videos play with sound.
const sound = { on: false, since: 0, listeners: new Set() };

function enableSound() {
  if (sound.on) return;
  sound.on = true;
  sound.since = performance.now();
  sound.listeners.forEach((f) => f());
}
// The first tap or key press anywhere is the gesture that lets the page play sound.
window.addEventListener('pointerdown', enableSound, { once: true, capture: true });
window.addEventListener('keydown', enableSound, { once: true, capture: true });

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

// A double tap is two taps within this many milliseconds.
const DOUBLE_TAP_MS = 300;

// createPlayer builds a pager. more() answers the next page as {videos, done}; without it the
// pager shows videos and no more. It returns {el, activate, deactivate}: only an active pager
// plays and listens to the keyboard.
export function createPlayer({ videos = [], more = null, start = 0, label = 'Videos', onEnd = null }) {
  const root = h('div', { class: 'player', tabindex: '-1', role: 'region', 'aria-label': label });
  const wrap = h('div', { class: 'player-wrap' }, root);
  const end = h('section', { class: 'slide end', hidden: true },
    h('p', { text: 'You have seen every video.' }),
    onEnd ? h('button', { type: 'button', class: 'primary', onclick: onEnd }, 'Back to the newest') : null);
  const hint = h('button', { type: 'button', class: 'sound-hint', hidden: sound.on, onclick: enableSound }, icon('muted'), 'Tap for sound');
  root.append(end);
  wrap.append(hint);
  const state = { slides: [], current: -1, loading: false, done: !more, active: false, startAt: start };

  const io = new IntersectionObserver((entries) => {
    for (const e of entries) {
      // The end slide counts as the one past the last video: nothing plays there.
      if (e.isIntersecting && e.intersectionRatio >= 0.6) setCurrent(e.target === end ? state.slides.length : Number(e.target.dataset.index));
    }
  }, { root, threshold: [0.6] });
  io.observe(end);

  const onSound = () => {
    hint.hidden = true;
    const s = state.slides[state.current];
    if (s) s.video.muted = false;
  };
  sound.listeners.add(onSound);

  function add(list) {
    for (const v of list) {
      const s = slide(v, state.slides.length);
      state.slides.push(s);
      root.insertBefore(s.el, end);
      io.observe(s.el);
    }
  }

  async function loadMore() {
    if (state.loading || state.done) return;
    state.loading = true;
    try {
      const page = await more();
      add(page.videos);
      state.done = page.done;
    } catch (e) {
      toast(e.message);
    } finally {
      state.loading = false;
    }
    end.hidden = !state.done;
    if (state.slides.length === 0 && state.done) end.querySelector('p').textContent = 'No videos yet.';
    if (state.current < 0 && state.slides.length) scrollTo(Math.min(state.startAt, state.slides.length - 1), false);
  }

  function setCurrent(i) {
    if (i === state.current) return;
    state.current = i;
    state.slides.forEach((s, j) => {
      if (j === i) {
        s.load();
        if (state.active) s.play();
      } else {
        s.pause();
        if (j === i + 1) s.load(); // preloaded, so the next swipe starts at once
        else if (Math.abs(j - i) > 2) s.unload();
      }
    });
    if (state.slides.length - i <= 3) loadMore();
  }

  function scrollTo(i, smooth = true) {
    const s = state.slides[i];
    if (!s) {
      if (i >= state.slides.length && state.done) end.scrollIntoView({ behavior: smooth && !reducedMotion() ? 'smooth' : 'instant' });
      return;
    }
    s.el.scrollIntoView({ behavior: smooth && !reducedMotion() ? 'smooth' : 'instant', block: 'start' });
  }

  function go(delta) {
    const target = Math.max(0, Math.min(state.current + delta, state.slides.length));
    scrollTo(target);
    if (target >= state.slides.length - 3) loadMore();
  }

  // The wheel moves one video per gesture: a trackpad's flick sends dozens of events, and
  // those that follow one another closely belong to the move already made.
  let lastWheel = 0;
  let lastMove = 0;
  root.addEventListener('wheel', (e) => {
    if (e.ctrlKey) return; // pinch zoom
    e.preventDefault();
    const now = performance.now();
    const gap = now - lastWheel;
    lastWheel = now;
    if (Math.abs(e.deltaY) < 4 || (gap < 200 && now - lastMove < 1200)) return;
    lastMove = now;
    go(e.deltaY > 0 ? 1 : -1);
  }, { passive: false });

  function onKey(e) {
    if (!state.active || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest('input, textarea, select, dialog') || document.querySelector('dialog[open]')) return;
    const s = state.slides[state.current];
    const onButton = e.target.closest('button, a');
    switch (e.key) {
      case 'ArrowDown': case 'PageDown': case 'j': go(1); break;
      case 'ArrowUp': case 'PageUp': case 'k': go(-1); break;
      case 'Home': scrollTo(0); break;
      case 'End': scrollTo(state.done ? state.slides.length : state.slides.length - 1); break;
      case 'l': if (s) s.like(!s.v.is_favorite); break;
      case 'c': if (s) s.comments(); break;
      case 'm':
        if (!sound.on) enableSound();
        else if (s) s.video.muted = !s.video.muted;
        break;
      case ' ':
        if (onButton) return;
        if (s) s.toggle();
        break;
      default: return;
    }
    e.preventDefault();
  }
  document.addEventListener('keydown', onKey);

  add(videos);
  if (more && videos.length === 0) loadMore();
  else {
    end.hidden = !state.done;
    if (state.slides.length === 0) end.querySelector('p').textContent = 'No videos yet.';
    requestAnimationFrame(() => scrollTo(Math.min(start, state.slides.length - 1), false));
  }

  return {
    el: wrap,
    activate() {
      state.active = true;
      const s = state.slides[state.current];
      if (s) s.play();
      root.focus({ preventScroll: true });
    },
    deactivate() {
      state.active = false;
      state.slides.forEach((s) => s.pause());
    },
    destroy() {
      state.active = false;
      io.disconnect();
      document.removeEventListener('keydown', onKey);
      sound.listeners.delete(onSound);
      state.slides.forEach((s) => s.unload());
    },
  };
}

// slide is one video: the player, its author and title, like and comment buttons, and a notice
// in place of the picture when this browser cannot decode the video.
function slide(v, index) {
  const video = h('video', { playsinline: true, loop: true, preload: 'none', poster: safeURL(v.cover_url), 'aria-label': v.title });
  video.muted = !sound.on;
  const notice = h('div', { class: 'notice', role: 'note', hidden: true });
  const paused = h('div', { class: 'paused-icon', 'aria-hidden': 'true', hidden: true }, icon('play'));
  const burst = h('div', { class: 'burst', 'aria-hidden': 'true' }, icon('heart'));
  const likeCount = h('span', { class: 'n' });
  const likeBtn = h('button', { type: 'button', class: 'act like', onclick: () => like(!v.is_favorite) },
    icon('heart'), likeCount);
  const commentCount = h('span', { class: 'n' });
  const commentBtn = h('button', { type: 'button', class: 'act comment', 'aria-label': 'Comments', onclick: () => comments() },
    icon('comment'), commentCount);
  const tap = h('div', { class: 'tap', 'aria-hidden': 'true' });
  const el = h('section', { class: 'slide', 'data-index': index, 'data-video-id': v.id },
    video, tap, notice, paused, burst,
    h('div', { class: 'side' },
      h('a', { href: `#/user/${v.author.id}`, class: 'act author', 'aria-label': `${v.author.name}'s profile` }, avatar(v.author)),
      likeBtn, commentBtn),
    h('div', { class: 'meta' },
      h('a', { href: `#/user/${v.author.id}`, class: 'author-name', text: `@${v.author.name}` }),
      h('p', { class: 'title', text: v.title })));

  function render() {
    likeCount.textContent = count(v.favorite_count);
    likeBtn.setAttribute('aria-pressed', String(v.is_favorite));
    likeBtn.setAttribute('aria-label', v.is_favorite ? 'Unlike' : 'Like');
    commentCount.textContent = count(v.comment_count);
  }
  render();

  let busy = false;
  async function like(want) {
    if (!session.loggedIn) {
      toast('Log in to like videos.');
      location.hash = '#/me';
      return;
    }
    if (busy || v.is_favorite === want) return;
    busy = true;
    try {
      await api.favorite(v.id, want);
      v.is_favorite = want;
      v.favorite_count = Math.max(0, v.favorite_count + (want ? 1 : -1));
      render();
    } catch (e) {
      toast(e.message);
    } finally {
      busy = false;
    }
  }

  function comments() {
    openComments(v, render);
  }

  // A single tap pauses or resumes (the very first one only turns the sound on); a double tap
  // likes, as in the app, and never unlikes.
  let lastTap = 0;
  let single;
  tap.addEventListener('click', (e) => {
    const now = performance.now();
    const double = e.detail >= 2 || now - lastTap < DOUBLE_TAP_MS;
    lastTap = now;
    clearTimeout(single);
    if (double) {
      lastTap = 0;
      burst.classList.remove('go');
      void burst.offsetWidth; // restart the animation
      burst.classList.add('go');
      like(true);
      return;
    }
    if (now - sound.since < DOUBLE_TAP_MS * 2) return;
    single = setTimeout(toggle, DOUBLE_TAP_MS);
  });

  function toggle() {
    if (!state.loaded || state.broken) return;
    if (video.paused) {
      video.play().catch(() => {});
      paused.hidden = true;
    } else {
      video.pause();
      paused.hidden = false;
    }
  }

  const state = { loaded: false, broken: false, wanted: false };
  function unplayable(kind) {
    state.broken = true;
    notice.hidden = false;
    notice.replaceChildren(
      h('strong', { text: kind === 'network' ? 'This video could not be loaded.' : 'This browser cannot play this video.' }),
      h('span', { text: kind === 'network'
        ? 'Check the connection, then swipe away and back to try again.'
        : 'Its format (for example HEVC / H.265) is not supported here. It was published and plays in the Douyin app and in browsers that support the format.' }));
    el.classList.add('broken');
  }
  video.addEventListener('error', () => {
    if (!state.loaded) return;
    const code = video.error ? video.error.code : 0;
    unplayable(code === 2 ? 'network' : 'format'); // MEDIA_ERR_NETWORK, else decode or unsupported
  });
  // A file whose audio decodes but whose picture does not (HEVC with AAC, in many browsers)
  // loads with no picture size: it would play as a black box.
  video.addEventListener('loadedmetadata', () => {
    if (video.videoWidth === 0 && video.videoHeight === 0) unplayable('format');
  });

  return {
    el, v, video,
    like, comments, toggle,
    load() {
      if (state.loaded) return;
      state.loaded = true;
      video.preload = 'auto';
      video.src = safeURL(v.play_url);
    },
    unload() {
      if (!state.loaded) return;
      state.loaded = false;
      video.pause();
      video.removeAttribute('src');
      video.load();
    },
    play() {
      if (state.broken) return;
      video.muted = !sound.on;
      paused.hidden = true;
      video.play().catch((err) => {
        // Autoplay with sound refused (no gesture yet): play muted instead.
        if (err.name === 'NotAllowedError' && !video.muted) {
          video.muted = true;
          video.play().catch(() => {});
        }
      });
    },
    pause() { video.pause(); },
  };
}
