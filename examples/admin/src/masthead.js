// The thin layer between react-admin and Masthead. Lists, reads, creates
// and deletes go through the stock `ra-data-simple-rest` provider, which
// Masthead speaks (`range`, `sort`, `filter`, `Content-Range`). What a stock
// provider lacks is here: signing in with a JWT and refreshing it silently,
// edits as `PATCH` of the changed fields, workflow transitions, revisions
// and diffs, preview links, and picture uploads.
import simpleRestProvider from 'ra-data-simple-rest';
import { HttpError, fetchUtils } from 'react-admin';

export const API = '/api/v1';
const STORE = 'masthead.session';

const session = {
  get: () => JSON.parse(localStorage.getItem(STORE) ?? 'null'),
  set: (tokens) =>
    localStorage.setItem(
      STORE,
      JSON.stringify({
        access: tokens.access_token,
        refresh: tokens.refresh_token,
        // Refreshed 30 s before the access token runs out.
        refreshAt: Date.now() + (tokens.expires_in - 30) * 1000,
      }),
    ),
  clear: () => localStorage.removeItem(STORE),
};

async function post(path, body) {
  const response = await fetch(`${API}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new HttpError(json.detail ?? response.statusText, response.status, json);
  }
  return json;
}

// One refresh at a time, shared by every request that needs it.
let refreshing = null;
async function refreshTokens() {
  const current = session.get();
  if (!current) throw new HttpError('not signed in', 401);
  refreshing ??= post('/auth/refresh', { refresh_token: current.refresh })
    .then(session.set)
    .catch((error) => {
      session.clear();
      throw error;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** `fetchJson` with the access token, refreshed before it runs out and
 * once more when the server refuses it. */
export async function fetchJson(url, options = {}) {
  const send = () => {
    const headers = new Headers(options.headers ?? { Accept: 'application/json' });
    const current = session.get();
    if (current) headers.set('Authorization', `Bearer ${current.access}`);
    return fetchUtils.fetchJson(url, { ...options, headers });
  };
  const current = session.get();
  if (current && Date.now() > current.refreshAt) await refreshTokens();
  try {
    return await send();
  } catch (error) {
    if (error.status !== 401 || !session.get()) throw error;
    await refreshTokens();
    return send();
  }
}

export const authProvider = {
  async login({ username, password }) {
    session.set(await post('/auth/login', { email: username, password }));
  },
  async logout() {
    const current = session.get();
    session.clear();
    if (current) await post('/auth/logout', { refresh_token: current.refresh }).catch(() => {});
  },
  async checkAuth() {
    if (!session.get()) throw new Error('not signed in');
  },
  async checkError(error) {
    if (error.status === 401) {
      session.clear();
      throw error;
    }
  },
  async getIdentity() {
    if (!session.get()) throw new Error('not signed in');
    const { json } = await fetchJson(`${API}/auth/me`);
    return { id: json.id, fullName: json.name, role: json.role };
  },
  async getPermissions() {
    if (!session.get()) return undefined;
    const { json } = await fetchJson(`${API}/auth/me`);
    return json.role;
  },
};

// The fields of each resource a `PATCH` may send (what its write schema takes).
const WRITABLE = {
  articles: [
    'slug', 'locale', 'title', 'subtitle', 'excerpt', 'body', 'featured_image', 'seo',
    'author_ids', 'tag_ids', 'revision_message',
  ],
  authors: ['slug', 'name', 'bio', 'names', 'bios', 'email', 'avatar_url', 'website', 'social', 'revision_message'],
  tags: ['slug', 'name', 'description', 'names', 'revision_message'],
};

function changed(resource, data, previous = {}) {
  const fields = WRITABLE[resource] ?? Object.keys(data);
  const out = {};
  for (const field of fields) {
    if (field in data && JSON.stringify(data[field]) !== JSON.stringify(previous[field])) {
      out[field] = field === 'featured_image' && data[field] ? imageWrite(data[field]) : data[field];
    }
  }
  return out;
}

// A featured image as written: the library asset, or an address, with its alt text.
const imageWrite = (image) =>
  image.asset_id ? { asset_id: image.asset_id, alt: image.alt ?? null } : { url: image.url, alt: image.alt ?? null };

const stock = simpleRestProvider(API, fetchJson);

export const dataProvider = {
  ...stock,
  async getOne(resource, params) {
    // An article comes with its body as HTML too, for the editor's preview.
    const query = resource === 'articles' ? '?formats=html' : '';
    const { json } = await fetchJson(`${API}/${resource}/${encodeURIComponent(params.id)}${query}`);
    return { data: json };
  },
  async update(resource, params) {
    const body = changed(resource, params.data, params.previousData);
    const { json } = await fetchJson(`${API}/${resource}/${params.id}`, {
      method: 'PATCH',
      body: JSON.stringify(body),
    });
    return { data: json };
  },
  async create(resource, params) {
    const { json } = await fetchJson(`${API}/${resource}`, {
      method: 'POST',
      body: JSON.stringify(changed(resource, params.data)),
    });
    return { data: json };
  },
  /** Takes a workflow action (`submit`, `approve`, `publish`, `schedule`…). */
  async transition(id, action, extra = {}) {
    const { json } = await fetchJson(`${API}/articles/${id}/transitions`, {
      method: 'POST',
      body: JSON.stringify({ action, ...extra }),
    });
    return json;
  },
  async revisions(resource, id) {
    const { json } = await fetchJson(`${API}/${resource}/${id}/revisions?per_page=50`);
    return json.data;
  },
  async diff(resource, id, from, to) {
    const { json } = await fetchJson(`${API}/${resource}/${id}/diff?from=${from}&to=${to}`);
    return json;
  },
  async createPreviewLink(id, expiresIn = 7 * 24 * 3600) {
    const { json } = await fetchJson(`${API}/articles/${id}/preview-links`, {
      method: 'POST',
      body: JSON.stringify({ expires_in: expiresIn }),
    });
    return json;
  },
  /** Uploads a picture to the media library; returns the asset. */
  async upload(file) {
    const form = new FormData();
    form.append('file', file);
    const { json } = await fetchJson(`${API}/assets`, { method: 'POST', body: form });
    return json;
  },
};
