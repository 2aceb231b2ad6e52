// One camera: its picture (and a snapshot taken on demand), what it detects now, its controls
// (rendered from its entity descriptions, see controls.js), its state, status and events.

import * as api from '../api.js'
import { bytes, detections, duration, eventFromLive, label, mergeEvent, time } from '../events.js'

const STATUS_EVERY = 10000
const EVENTS_SHOWN = 20
// State fields shown elsewhere on the page (or not worth a line).
const NOT_IN_TABLE = new Set(['camera_id', 'online', 'updated_at', 'last_event'])

export function cameraPage(cameraId) {
  return {
    cameraId,
    status: null,
    missing: false,
    picture: '',
    pictureNote: '',
    taking: false,
    events: [],
    eventsLoaded: false,
    timer: null,
    onEvent: null,

    async init() {
      this.onEvent = (e) => {
        if (e.detail.camera_id === cameraId) this.events = mergeEvent(this.events, eventFromLive(e.detail), EVENTS_SHOWN)
      }
      window.addEventListener('bridge-event', this.onEvent)
      this.timer = setInterval(() => this.loadStatus(), STATUS_EVERY)
      await Promise.all([this.loadStatus(), this.loadPicture(), this.loadEvents()])
    },

    destroy() {
      clearInterval(this.timer)
      window.removeEventListener('bridge-event', this.onEvent)
      if (this.picture) URL.revokeObjectURL(this.picture)
    },

    get view() {
      return this.$store.app.view(cameraId)
    },

    get name() {
      return this.view ? this.view.name : cameraId
    },

    get online() {
      return this.$store.app.online(cameraId)
    },

    get state() {
      return this.$store.app.states[cameraId] || null
    },

    get detections() {
      const state = this.state
      return detections(state, this.$store.app.detectionTypes).map((type) => ({
        type,
        name: label(type),
        active: state[type] === true,
      }))
    },

    get stateRows() {
      const state = this.state
      if (!state) return []
      const detected = new Set(this.$store.app.detectionTypes)
      return Object.entries(state)
        .filter(([key, value]) => value !== null && !NOT_IN_TABLE.has(key) && !detected.has(key))
        .map(([key, value]) => ({ key, name: label(key), value: show(value) }))
    },

    get statusRows() {
      const s = this.status
      if (!s) return []
      return [
        ['Model', s.model || '—'],
        ['Firmware', s.firmware || '—'],
        ['Device', s.device_id + (s.channel !== null && s.device_id !== s.camera_id ? `, channel ${s.channel + 1}` : '')],
        ['Last poll', s.last_poll ? time(s.last_poll) : 'never'],
        ['Polls', String(s.polls)],
        ['Failures in a row', String(s.failures)],
        ['Last error', s.last_error || 'none'],
      ].map(([name, value]) => ({ name, value }))
    },

    async loadStatus() {
      try {
        this.status = await api.get(`/cameras/${api.path(cameraId)}/status`)
      } catch (err) {
        if (err.status === 404) this.missing = true
        else this.$store.app.fail(err)
      }
    },

    async loadPicture() {
      try {
        this.show(await api.picture(`/cameras/${api.path(cameraId)}/thumbnail`), 'No picture yet: the camera is offline or asleep.')
      } catch (err) {
        if (err.status !== 404) this.$store.app.fail(err)
      }
    },

    async takeSnapshot() {
      this.taking = true
      try {
        this.show(await api.picture(`/cameras/${api.path(cameraId)}/snapshot`), '')
        this.$store.app.notify('Snapshot taken')
      } catch (err) {
        this.$store.app.notify(`No snapshot: ${err.message}`, 'error')
      } finally {
        this.taking = false
      }
    },

    show(url, otherwise) {
      if (!url) {
        this.pictureNote = otherwise
        return
      }
      if (this.picture) URL.revokeObjectURL(this.picture)
      this.picture = url
      this.pictureNote = ''
    },

    async loadEvents() {
      try {
        const page = await api.get(`/cameras/${api.path(cameraId)}/events`, { limit: EVENTS_SHOWN })
        this.events = page.events
        this.eventsLoaded = true
      } catch (err) {
        this.$store.app.fail(err)
      }
    },

    get eventsHref() {
      return `#/events?camera=${encodeURIComponent(cameraId)}`
    },

    time,
    duration,
    label,
  }
}

// A state value as text; a nested object (storage) as its fields, sizes in `_mb` as sizes.
function show(value) {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  if (value && typeof value === 'object') {
    return Object.entries(value)
      .map(([k, v]) => (k.endsWith('_mb') ? `${label(k.slice(0, -3))} ${bytes(v * 1e6)}` : `${label(k)} ${v}`))
      .join(', ')
  }
  return String(value)
}
