// The public Douyin API, spoken exactly as the Android app speaks it: every parameter in the
// query string, POSTs with an empty body and no Content-Type, the token as a query parameter
// (a multipart field for publish). These sixteen calls are all the page uses.
import { session } from './session.js';

// APIError is a refusal: status_code and the server's own words.
export class APIError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

async function call(method, path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const url = q.size ? `${path}?${q}` : path;
  let res;
  try {
    res = await fetch(url, { method, cache: 'no-store' });
  } catch {
    throw new APIError(-1, 'Cannot reach the server. Check the connection and try again.');
  }
  return envelope(res.status, await res.text());
}

// envelope reads an answer: status_code 0 is success, anything else is the server's message.
function envelope(httpStatus, text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new APIError(httpStatus || -1, `The server answered HTTP ${httpStatus} without the API's JSON.`);
  }
  if (body.status_code !== 0) {
    // A token the server no longer accepts is a logout: the next screen asks to log in.
    if (body.status_code === 401 && session.loggedIn) session.clear();
    throw new APIError(body.status_code, body.status_msg || `status_code ${body.status_code}`);
  }
  return body;
}

const tok = () => session.token || undefined;

export const api = {
  feed: (latestTime) => call('GET', '/douyin/feed/', { latest_time: latestTime, token: tok() }),
  register: (username, password) => call('POST', '/douyin/user/register/', { username, password }),
  login: (username, password) => call('POST', '/douyin/user/login/', { username, password }),
  user: (userId) => call('GET', '/douyin/user/', { user_id: userId, token: tok() }),
  publishList: (userId) => call('GET', '/douyin/publish/list/', { user_id: userId, token: tok() }),
  favorite: (videoId, like) => call('POST', '/douyin/favorite/action/', { token: tok(), video_id: videoId, action_type: like ? 1 : 2 }),
  favoriteList: (userId) => call('GET', '/douyin/favorite/list/', { user_id: userId, token: tok() }),
  comment: (videoId, text) => call('POST', '/douyin/comment/action/', { token: tok(), video_id: videoId, action_type: 1, comment_text: text }),
  deleteComment: (videoId, commentId) => call('POST', '/douyin/comment/action/', { token: tok(), video_id: videoId, action_type: 2, comment_id: commentId }),
  comments: (videoId) => call('GET', '/douyin/comment/list/', { token: tok(), video_id: videoId }),
  follow: (userId, follow) => call('POST', '/douyin/relation/action/', { token: tok(), to_user_id: userId, action_type: follow ? 1 : 2 }),
  followList: (userId) => call('GET', '/douyin/relation/follow/list/', { user_id: userId, token: tok() }),
  followerList: (userId) => call('GET', '/douyin/relation/follower/list/', { user_id: userId, token: tok() }),
  friendList: (userId) => call('GET', '/douyin/relation/friend/list/', { user_id: userId, token: tok() }),
  chat: (userId, preMsgTime) => call('GET', '/douyin/message/chat/', { token: tok(), to_user_id: userId, pre_msg_time: preMsgTime || undefined }),
  send: (userId, content) => call('POST', '/douyin/message/action/', { token: tok(), to_user_id: userId, action_type: 1, content }),

  // publish uploads a video as the app does (multipart: token, title, then the file), telling
  // onProgress the fraction sent. XMLHttpRequest, because fetch reports no upload progress.
  publish(file, title, onProgress) {
    return new Promise((resolve, reject) => {
      const form = new FormData();
      form.append('token', session.token);
      form.append('title', title);
      form.append('data', file, file.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/douyin/publish/action/');
      xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = () => {
        try { resolve(envelope(xhr.status, xhr.responseText)); } catch (e) { reject(e); }
      };
      xhr.onerror = () => reject(new APIError(-1, 'The upload was cut off. Check the connection and try again.'));
      xhr.send(form);
    });
  },
};
