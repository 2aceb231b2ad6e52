// Recordings: the files on a camera's card or an NVR's disk, per camera and day (the bridge's
// index, `GET /recordings`), drawn on the day as a bar, played in the page (`play_url`, MP4 the
// bridge remuxes) and downloaded (`download_url`). "Ask the camera" searches the camera now
// (`POST /recordings/search`) for files the periodic index has not seen yet.

import * as api from '../api.js'
import { bytes, dayRange, duration, label, today } from '../events.js'

const PAGE = 100
const DAY_MS = 24 * 3600 * 1000

function clock(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

export function recordingsPage() {
  return {
    camera: '',
    day: '',
    recordings: [],
    cursor: null,
    loading: false,
    loadingFor: 0,
    loaded: false,
    searching: false,
    playing: null,
    playError: '',
    generation: 0,

    init() {
      const params = this.$store.app.route.params
      this.day = params.day || today()
      this.camera = params.camera || ''
      if (!this.camera) {
        const first = this.cameras[0]
        if (first) this.camera = first.camera_id
      }
      this.reload()
    },

    destroy() {
      this.stop()
    },

    get cameras() {
      return this.$store.app.views.filter((v) => !v.is_nvr)
    },

    get cameraName() {
      const view = this.$store.app.view(this.camera)
      return view ? view.name : this.camera
    },

    setCamera(event) {
      this.camera = event.target.value
      this.reload()
    },

    setDay(event) {
      this.day = event.target.value || today()
      this.reload()
    },

    setToday() {
      this.day = today()
      this.reload()
    },

    filters() {
      const range = dayRange(this.day)
      return { camera_id: this.camera || null, since: range.since, until: range.until }
    },

    reload() {
      this.generation += 1
      this.recordings = []
      this.cursor = null
      this.loaded = false
      return this.more()
    },

    // The next page of the current choice. A page still coming for a camera or day since changed
    // (or from before "Ask the camera") is dropped when it arrives; it does not hold up the new
    // first page.
    async more() {
      if ((this.loading && this.loadingFor === this.generation) || (this.loaded && !this.cursor)) return
      const generation = this.generation
      this.loading = true
      this.loadingFor = generation
      try {
        const page = await api.get('/recordings', { ...this.filters(), limit: PAGE, cursor: this.cursor })
        if (generation !== this.generation) return
        this.recordings = this.recordings.concat(page.recordings)
        this.cursor = page.next_cursor
        this.loaded = true
      } catch (err) {
        this.$store.app.fail(err)
      } finally {
        if (generation === this.generation) this.loading = false
      }
    },

    get done() {
      return this.loaded && !this.cursor
    },

    // The camera's own list for the chosen day, now (indexed on the way), then the index again.
    async askCamera() {
      if (!this.camera) return
      const range = dayRange(this.day)
      this.searching = true
      try {
        const found = await api.request('POST', '/recordings/search', { camera_id: this.camera, start: range.since, end: range.until })
        const count = found.recordings.length
        this.$store.app.notify(`The camera has ${count} recording${count === 1 ? '' : 's'} that day`)
        await this.reload()
      } catch (err) {
        this.$store.app.notify(`The camera was not asked: ${err.message}`, 'error')
      } finally {
        this.searching = false
      }
    },

    // -- playing ----------------------------------------------------------------------------

    play(recording) {
      this.playing = recording
      this.playError = ''
      const video = this.$refs.player
      video.src = recording.play_url
      video.play().catch(() => {}) // a refused autoplay waits for the controls
      this.$nextTick(() => video.focus())
    },

    stop() {
      const video = this.$refs.player
      if (video) {
        video.pause()
        video.removeAttribute('src')
        video.load()
      }
      this.playing = null
    },

    playFailed() {
      if (this.playing) this.playError = 'This recording does not play: the camera may be offline or the file gone.'
    },

    isPlaying(recording) {
      return this.playing !== null && this.playing.id === recording.id
    },

    get playingTitle() {
      const r = this.playing
      return r ? `${this.cameraName}, ${clock(r.start)}–${clock(r.end)}` : ''
    },

    // -- the day as a bar: where each recording lies -----------------------------------------

    get bars() {
      const start = new Date(dayRange(this.day).since).getTime()
      return this.recordings.map((r) => {
        const from = Math.max(0, new Date(r.start).getTime() - start)
        const to = Math.min(DAY_MS, new Date(r.end).getTime() - start)
        return {
          id: r.id,
          style: { left: `${(100 * from) / DAY_MS}%`, width: `max(2px, ${(100 * Math.max(0, to - from)) / DAY_MS}%)` },
          title: `${clock(r.start)}–${clock(r.end)}${r.triggers.length ? ` (${r.triggers.map(label).join(', ')})` : ''}`,
          recording: r,
        }
      })
    },

    span(recording) {
      return `${clock(recording.start)}–${clock(recording.end)}`
    },

    fileName(recording) {
      return recording.name.split('/').pop()
    },

    triggerText(recording) {
      return recording.triggers.map(label).join(', ')
    },

    duration,
    bytes,
    label,
  }
}
