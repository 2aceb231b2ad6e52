// The bridge's REST API, and the admin's login session.
//
// Tokens live in this module's memory only (never in localStorage, sessionStorage or a cookie):
// a reload asks for the password again. The access token is renewed from the refresh token
// before it expires (at 80 % of its lifetime); whoever listens (the live connection) is told.

export const API = '/api/v1'
const RENEW_AT = 0.8

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail)
    this.status = status
  }
}

let access = null
let refreshToken = null
let renewTimer = null
const listeners = { token: [], signedOut: [] }

export function on(kind, listener) {
  listeners[kind].push(listener)
}

export function accessToken() {
  return access
}

export function signedIn() {
  return access !== null
}

function detailOf(body, status) {
  if (body && typeof body.detail === 'string') return body.detail
  if (body && typeof body.error === 'string') return body.error // a failed CommandResult
  if (body && Array.isArray(body.detail)) {
    return body.detail.map((d) => `${(d.loc || []).slice(1).join('.') || 'body'}: ${d.msg}`).join('; ')
  }
  return `the bridge answered ${status}`
}

async function parse(response) {
  if (response.status === 204) return null
  const type = response.headers.get('content-type') || ''
  const body = type.includes('json') ? await response.json() : null
  if (!response.ok) throw new ApiError(response.status, detailOf(body, response.status))
  return body
}

async function raw(method, path, body, token) {
  const headers = {}
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (token) headers.Authorization = `Bearer ${token}`
  try {
    return await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    })
  } catch {
    throw new ApiError(0, 'the bridge does not answer (network error)')
  }
}

function adopt(pair) {
  access = pair.access_token
  refreshToken = pair.refresh_token
  clearTimeout(renewTimer)
  renewTimer = setTimeout(() => renew().catch(() => {}), pair.expires_in * 1000 * RENEW_AT)
  for (const listener of listeners.token) listener(access)
}

function forget(reason) {
  const was = access !== null
  access = null
  refreshToken = null
  clearTimeout(renewTimer)
  if (was) for (const listener of listeners.signedOut) listener(reason)
}

export async function login(username, password) {
  adopt(await parse(await raw('POST', '/auth/login', { username, password })))
}

let renewing = null

// A new access token for the refresh token; once at a time, whoever asks.
export function renew() {
  if (!renewing) {
    renewing = (async () => {
      try {
        if (!refreshToken) throw new ApiError(401, 'not signed in')
        adopt(await parse(await raw('POST', '/auth/refresh', { refresh_token: refreshToken })))
      } catch (err) {
        if (err.status === 401) forget(`Your session has ended: ${err.message}.`)
        throw err
      } finally {
        renewing = null
      }
    })()
  }
  return renewing
}

export async function logout() {
  const token = refreshToken
  forget(null)
  if (token) {
    try {
      await parse(await raw('POST', '/auth/logout', { refresh_token: token }))
    } catch {
      // the session is gone from this page either way; the bridge ends it when it can
    }
  }
}

// One authenticated request; a 401 renews the token once and tries again.
async function authed(method, path, body) {
  let response = await raw(method, path, body, access)
  if (response.status === 401 && refreshToken) {
    await renew()
    response = await raw(method, path, body, access)
  }
  if (response.status === 401) {
    const body = await response.clone().json().catch(() => null)
    forget(`Your session has ended: ${detailOf(body, 401)}.`)
  }
  return response
}

export async function request(method, path, body) {
  return parse(await authed(method, path, body))
}

export function get(path, params) {
  return request('GET', path + query(params))
}

export function query(params) {
  if (!params) return ''
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue
    for (const one of Array.isArray(value) ? value : [value]) search.append(key, String(one))
  }
  const text = search.toString()
  return text ? `?${text}` : ''
}

// A picture as an object URL (img elements cannot send the token); null when there is none.
export async function picture(path) {
  const response = await authed('GET', path)
  if (response.status === 204) return null
  if (!response.ok) await parse(response)
  return URL.createObjectURL(await response.blob())
}

// Public reads (no token): /health, /ready (which answers 503 with a body when not ready).
export async function probe(path) {
  const response = await raw('GET', path)
  return response.json()
}

export function path(...parts) {
  return parts.map((p) => encodeURIComponent(p)).join('/')
}

// The API's own description (public, fetched once): which routes this bridge has, its enums.
let description = null

export function describe() {
  if (!description) {
    description = fetch('/openapi.json')
      .then((response) => response.json())
      .catch(() => ({ paths: {}, components: {} }))
  }
  return description
}

// A camera's entity descriptions (the controls), where this bridge describes them.
export async function entities(cameraId) {
  const doc = await describe()
  if (!doc.paths || !(`${API}/cameras/{camera_id}/entities` in doc.paths)) return []
  const body = await get(`/cameras/${path(cameraId)}/entities`)
  return Array.isArray(body) ? body : body?.entities || []
}
