// What every page shares: the route, the session, the cameras (views) with their live state and
// availability, the recent-events feed, the live connection's status and short notices.

import * as api from './api.js'
import { Live } from './live.js'
import { eventFromLive, mergeEvent } from './events.js'

const FEED_SIZE = 50

// The pages of the main navigation, in order: their route names are also what parseRoute knows.
const NAV = [
  { name: 'dashboard', href: '#/', title: 'Dashboard' },
  { name: 'events', href: '#/events', title: 'Events' },
  { name: 'recordings', href: '#/recordings', title: 'Recordings' },
  { name: 'settings', href: '#/settings', title: 'Settings' },
]
const PAGES = ['login', ...NAV.map((page) => page.name).filter((name) => name !== 'dashboard')]

// The labels under a day's timeline (events per hour, the recordings of a day).
const HOUR_TICKS = ['00', '06', '12', '18', '24']

// Outside the store: Alpine's reactive proxies and a WebSocket's native methods do not mix.
let live = null

function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/'
  const [pathPart, search = ''] = hash.split('?')
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent)
  const params = Object.fromEntries(new URLSearchParams(search))
  const key = hash
  if (parts[0] === 'camera' && parts[1]) return { name: 'camera', id: parts[1], params, key }
  if (PAGES.includes(parts[0])) return { name: parts[0], params, key }
  return { name: 'dashboard', params, key }
}

export function createStore(Alpine) {
  const store = {
    route: parseRoute(),
    nav: NAV,
    hourTicks: HOUR_TICKS,
    signedIn: false,
    loginMessage: '',
    views: [],
    viewsLoaded: false,
    states: {},
    availability: {},
    feed: [],
    feedLoaded: false,
    live: 'closed',
    base: 'reolink',
    info: null,
    notices: [],
    eventTypes: [],
    detectionTypes: [],
    scopes: [],
    error: '',

    init() {
      window.addEventListener('hashchange', () => {
        this.route = parseRoute()
        this.guard()
      })
      api.on('signedOut', (reason) => this.signedOutBy(reason))
      live = new Live(
        (topic, payload) => this.frame(topic, payload),
        (status) => {
          this.live = status
        },
      )
      this.guard()
    },

    guard() {
      if (!this.signedIn && this.route.name !== 'login') {
        this.go('#/login')
      } else if (this.signedIn && this.route.name === 'login') {
        this.go('#/')
      }
    },

    // [a key] while `name` is the page shown, else []: a page keyed by its whole route (x-for
    // with :key) starts afresh when only its parameters change (another camera, other filters).
    pageKey(name) {
      return this.route.name === name ? [this.route.key] : []
    },

    go(hash) {
      if (location.hash === hash) {
        this.route = parseRoute()
      } else {
        location.hash = hash
      }
    },

    async signedInNow() {
      this.signedIn = true
      this.loginMessage = ''
      this.error = ''
      live.start()
      await Promise.all([this.loadInfo(), this.loadViews(), this.loadFeed(), this.loadEventTypes()])
    },

    signedOutBy(reason) {
      this.signedIn = false
      live.stop()
      this.views = []
      this.viewsLoaded = false
      this.states = {}
      this.availability = {}
      this.feed = []
      this.feedLoaded = false
      this.loginMessage = reason || ''
      this.go('#/login')
    },

    async logout() {
      await api.logout()
      this.signedOutBy('You have signed out.')
    },

    async loadInfo() {
      try {
        this.info = await api.get('/bridge/info')
        this.base = this.info?.config?.mqtt?.base_topic || 'reolink'
      } catch (err) {
        this.fail(err)
      }
    },

    async loadViews() {
      try {
        this.views = await api.get('/views')
        this.viewsLoaded = true
      } catch (err) {
        this.fail(err)
      }
    },

    async loadFeed() {
      try {
        const page = await api.get('/events', { limit: 20 })
        for (const record of page.events.slice().reverse()) this.feed = mergeEvent(this.feed, record, FEED_SIZE)
        this.feedLoaded = true
      } catch (err) {
        this.fail(err)
      }
    },

    // The event and detection types and the token scopes, from the API's own description (the bridge's lists).
    async loadEventTypes() {
      const doc = await api.describe()
      const schemas = doc?.components?.schemas || {}
      this.eventTypes = schemas.EventType?.enum || []
      this.detectionTypes = schemas.DetectionType?.enum || []
      this.scopes = schemas.ApiTokenCreate?.properties?.scope?.enum || []
    },

    view(id) {
      return this.views.find((v) => v.camera_id === id) || null
    },

    online(id) {
      if (id in this.availability) return this.availability[id]
      const view = this.view(id)
      return view ? view.online : false
    },

    frame(topic, payload) {
      const prefix = `${this.base}/`
      if (!topic.startsWith(prefix)) return
      const rest = topic.slice(prefix.length)
      if (rest === 'bridge/event') return this.bridgeEvent(payload)
      if (rest.startsWith('bridge/')) return
      const slash = rest.indexOf('/')
      if (slash < 0) {
        this.states[rest] = payload
        return
      }
      const id = rest.slice(0, slash)
      const kind = rest.slice(slash + 1)
      if (kind === 'entities' && payload && Array.isArray(payload.entities)) {
        // the camera's controls changed (a preset saved, a capability found): panels redraw
        window.dispatchEvent(new CustomEvent('entities-changed', { detail: { cameraId: id, entities: payload.entities } }))
      } else if (kind === 'availability') this.availability[id] = payload === 'online'
      else if (kind === 'event' && payload && payload.event_id) {
        this.feed = mergeEvent(this.feed, eventFromLive(payload), FEED_SIZE)
        window.dispatchEvent(new CustomEvent('bridge-event', { detail: payload }))
      }
    },

    bridgeEvent(payload) {
      const type = payload?.type
      if (type === 'camera_added' || type === 'camera_removed') {
        this.loadViews()
        window.dispatchEvent(new CustomEvent('cameras-changed'))
      } else if (type === 'camera_online' || type === 'camera_offline') {
        const id = payload?.data?.id
        if (id) this.availability[id] = type === 'camera_online'
      }
    },

    notify(text, kind = 'info') {
      const notice = { id: Math.random().toString(36).slice(2), text, kind }
      this.notices.push(notice)
      setTimeout(() => this.dismiss(notice.id), kind === 'error' ? 8000 : 4000)
    },

    dismiss(id) {
      this.notices = this.notices.filter((n) => n.id !== id)
    },

    fail(err) {
      if (err && err.status === 401) return // the session ended: the login page says so
      this.notify(err?.message || String(err), 'error')
    },
  }
  Alpine.store('app', store)
  return Alpine.store('app')
}
