// One camera: its picture (and a snapshot taken on demand), what it detects now, its controls
// (rendered from its entity descriptions, see controls.js), its state, status and events.

import * as api from '../api.js'
import { bytes, detections, duration, eventFromLive, label, mergeEvent, time } from '../events.js'
import { Player, playableStreams, streamLabel } from '../player.js'

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
    // live video: 'picture' or 'live'; the streams a browser plays, the one chosen
    mode: 'picture',
    streams: [],
    stream: '',
    liveState: '',
    liveNote: '',
    renewed: false,
    player: null,

    async init() {
      this.onEvent = (e) => {
        if (e.detail.camera_id === cameraId) this.events = mergeEvent(this.events, eventFromLive(e.detail), EVENTS_SHOWN)
      }
      window.addEventListener('bridge-event', this.onEvent)
      this.timer = setInterval(() => this.loadStatus(), STATUS_EVERY)
      await Promise.all([this.loadStatus(), this.loadPicture(), this.loadEvents(), this.loadStreams()])
    },

    destroy() {
      if (this.player) this.player.stop()
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

    // -- live video -------------------------------------------------------------------------

    async loadStreams(thenPlay = true) {
      try {
        const found = await playableStreams(cameraId)
        this.streams = found.streams
        if (!this.streams.some((s) => s.name === this.stream)) {
          // the sub stream first: quicker to start and lighter on the camera and the network
          const pick = this.streams.find((s) => s.name === 'sub') || this.streams.find((s) => s.name === found.preferred) || this.streams[0]
          this.stream = pick ? pick.name : ''
        }
        if (found.nvr) this.liveNote = 'Each channel of this recorder has its own live video, on its own page.'
        else if (!this.streams.length) this.liveNote = 'No stream of this camera plays in a browser.'
        else if (thenPlay && this.online && !this.asleep) this.watchLive()
      } catch (err) {
        if (err.status === 404) this.missing = true
        else if (err.status !== 401) this.liveNote = `No live video: ${err.message}.`
      }
    },

    // A battery camera is not woken by opening its page: live starts when asked.
    get asleep() {
      const caps = this.view && this.view.capabilities
      return !!(caps && caps.battery)
    },

    get canLive() {
      return this.streams.length > 0
    },

    get current() {
      return this.streams.find((s) => s.name === this.stream) || null
    },

    get streamChoices() {
      return this.streams.map((s) => ({ name: s.name, label: streamLabel(s) }))
    },

    watchLive() {
      const stream = this.current
      if (!stream || !stream.urls.hls) {
        this.liveNote = 'This stream has no HLS to play.'
        return
      }
      if (!this.player) {
        this.player = new Player(
          this.$refs.video,
          (reason) => this.liveFailed(reason),
          () => {
            this.liveState = 'playing'
            this.renewed = false
          },
        )
      }
      this.mode = 'live'
      this.liveState = 'starting'
      this.liveNote = ''
      this.player.play(stream.urls.hls)
    },

    // The stream failed: once with fresh signed URLs (they expire), then back to the picture.
    async liveFailed(reason) {
      if (!this.renewed) {
        this.renewed = true
        await this.loadStreams(false)
        if (this.mode === 'live' && this.current) {
          this.watchLive()
          return
        }
      }
      this.stopLive()
      this.liveNote = `The live video stopped: ${reason}. Showing the latest picture.`
    },

    stopLive() {
      if (this.player) this.player.stop()
      this.player = null
      this.mode = 'picture'
      this.liveState = ''
    },

    chooseStream(event) {
      this.stream = event.target.value
      this.renewed = false
      if (this.mode === 'live') this.watchLive()
    },

    get liveBadge() {
      if (this.mode !== 'live') return ''
      return this.liveState === 'playing' ? 'Live' : 'Starting…'
    },

    async takeSnapshot() {
      this.stopLive()
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

    get recordingsHref() {
      return `#/recordings?camera=${encodeURIComponent(cameraId)}`
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
