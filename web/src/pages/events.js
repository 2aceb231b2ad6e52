// Events: filtered by camera, type, day and acknowledgement; more pages load as the list's end
// scrolls into view (the keyset cursor); a bar chart per camera of when things happened that
// day; snapshot previews; acknowledge one or the selected ones.

import * as api from '../api.js'
import { dayRange, duration, eventFromLive, label, mergeEvent, time, today } from '../events.js'

const PAGE = 50
const TIMELINE_MAX = 2000
const HOURS = 24

export function eventsPage() {
  return {
    camera: '',
    type: '',
    day: '',
    unacknowledged: false,
    events: [],
    cursor: null,
    loading: false,
    loadingFor: 0,
    loaded: false,
    selected: {},
    previews: {},
    timeline: [],
    timelineNote: '',
    observer: null,
    previewObserver: null,
    onEvent: null,
    generation: 0,
    clip: null,
    clipError: '',

    init() {
      const params = this.$store.app.route.params
      this.camera = params.camera || ''
      this.type = params.type || ''
      this.day = params.day || ''
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) this.more()
      })
      this.previewObserver = new IntersectionObserver((entries) => {
        for (const entry of entries) {
          if (entry.isIntersecting) {
            this.previewObserver.unobserve(entry.target)
            this.loadPreview(entry.target.dataset.eventId)
          }
        }
      })
      this.onEvent = (e) => this.live(e.detail)
      window.addEventListener('bridge-event', this.onEvent)
      this.$nextTick(() => this.observer.observe(this.$refs.end))
      this.reload()
    },

    destroy() {
      this.observer.disconnect()
      this.previewObserver.disconnect()
      window.removeEventListener('bridge-event', this.onEvent)
      for (const url of Object.values(this.previews)) URL.revokeObjectURL(url)
    },

    get cameras() {
      return this.$store.app.views.filter((v) => !v.is_nvr)
    },

    get types() {
      return this.$store.app.eventTypes
    },

    filters() {
      const range = this.day ? dayRange(this.day) : {}
      return {
        camera_id: this.camera || null,
        type: this.type || null,
        since: range.since,
        until: range.until,
        acknowledged: this.unacknowledged ? false : null,
      }
    },

    matches(event) {
      if (this.camera && event.camera_id !== this.camera) return false
      if (this.type && event.type !== this.type) return false
      if (this.unacknowledged && event.acknowledged) return false
      if (this.day) {
        const { since, until } = dayRange(this.day)
        const at = new Date(event.started_at)
        if (at < new Date(since) || at >= new Date(until)) return false
      }
      return true
    },

    setCamera(e) {
      this.camera = e.target.value
      this.reload()
    },

    setType(e) {
      this.type = e.target.value
      this.reload()
    },

    setDay(e) {
      this.day = e.target.value
      this.reload()
    },

    setToday() {
      this.day = today()
      this.reload()
    },

    setUnacknowledged(e) {
      this.unacknowledged = e.target.checked
      this.reload()
    },

    clearFilters() {
      this.camera = ''
      this.type = ''
      this.day = ''
      this.unacknowledged = false
      this.reload()
    },

    reload() {
      this.generation += 1
      this.events = []
      this.cursor = null
      this.loaded = false
      this.selected = {}
      this.more()
      this.loadTimeline()
    },

    // The next page of the current filters. A page still coming for filters since changed is
    // dropped when it arrives; it does not hold up the new filters' first page.
    async more() {
      if ((this.loading && this.loadingFor === this.generation) || (this.loaded && !this.cursor)) return
      const generation = this.generation
      this.loading = true
      this.loadingFor = generation
      try {
        const page = await api.get('/events', { ...this.filters(), limit: PAGE, cursor: this.cursor })
        if (generation !== this.generation) return
        this.events = this.events.concat(page.events.filter((e) => !this.events.some((k) => k.event_id === e.event_id)))
        this.cursor = page.next_cursor
        this.loaded = true
      } catch (err) {
        this.$store.app.fail(err)
      } finally {
        if (generation === this.generation) this.loading = false
      }
      // still on screen (a short page): go on
      if (generation === this.generation && this.cursor) {
        this.$nextTick(() => {
          const box = this.$refs.end?.getBoundingClientRect()
          if (box && box.top < window.innerHeight) this.more()
        })
      }
    },

    live(payload) {
      const record = eventFromLive(payload)
      const known = this.events.some((e) => e.event_id === record.event_id)
      if (known || this.matches(record)) this.events = mergeEvent(this.events, record, Infinity)
    },

    get done() {
      return this.loaded && !this.cursor
    },

    // -- snapshots ---------------------------------------------------------------------------

    watchPreview(el) {
      this.previewObserver.observe(el)
    },

    async loadPreview(eventId) {
      try {
        const url = await api.picture(`/events/${api.path(eventId)}/snapshot`)
        if (url) this.previews[eventId] = url
      } catch {
        // no snapshot kept any more: the row shows none
      }
    },

    preview(event) {
      return this.previews[event.event_id] || ''
    },

    // -- acknowledging ----------------------------------------------------------------------

    isSelected(event) {
      return !!this.selected[event.event_id]
    },

    toggleSelected(event) {
      this.selected[event.event_id] = !this.selected[event.event_id]
    },

    get selectedIds() {
      return Object.keys(this.selected).filter((id) => this.selected[id])
    },

    get selectable() {
      return this.events.filter((e) => !e.acknowledged)
    },

    get allSelected() {
      const open = this.selectable
      return open.length > 0 && open.every((e) => this.selected[e.event_id])
    },

    toggleAll() {
      const select = !this.allSelected
      for (const event of this.selectable) this.selected[event.event_id] = select
    },

    async acknowledge(event) {
      await this.acknowledgeIds([event.event_id])
    },

    async acknowledgeSelected() {
      await this.acknowledgeIds(this.selectedIds)
    },

    async acknowledgeIds(ids) {
      if (!ids.length) return
      try {
        const answer = await api.request('PUT', '/events/acknowledge', { event_ids: ids })
        const done = new Map(answer.events.map((e) => [e.event_id, e]))
        this.events = this.events.map((e) => (done.has(e.event_id) ? { ...e, ...done.get(e.event_id) } : e))
        for (const id of ids) delete this.selected[id]
        this.$store.app.notify(`${answer.events.length} event${answer.events.length === 1 ? '' : 's'} acknowledged`)
      } catch (err) {
        this.$store.app.notify(`Not acknowledged: ${err.message}`, 'error')
      }
    },

    // -- the timeline: events per hour of the day, per camera --------------------------------

    async loadTimeline() {
      const generation = this.generation
      this.timeline = []
      this.timelineNote = ''
      if (!this.day) return
      const counts = new Map()
      let cursor = null
      let seen = 0
      try {
        do {
          const page = await api.get('/events', { ...this.filters(), limit: 500, cursor })
          if (generation !== this.generation) return
          for (const event of page.events) {
            const hour = new Date(event.started_at).getHours()
            if (!counts.has(event.camera_id)) counts.set(event.camera_id, { name: event.camera_name || event.camera_id, hours: new Array(HOURS).fill(0) })
            counts.get(event.camera_id).hours[hour] += 1
          }
          seen += page.events.length
          cursor = page.next_cursor
        } while (cursor && seen < TIMELINE_MAX)
      } catch (err) {
        this.$store.app.fail(err)
        return
      }
      if (cursor) this.timelineNote = `The chart counts the newest ${seen} events of the day.`
      const peak = Math.max(1, ...[...counts.values()].flatMap((c) => c.hours))
      this.timeline = [...counts.entries()]
        .map(([id, { name, hours }]) => ({
          id,
          name,
          total: hours.reduce((a, b) => a + b, 0),
          bars: hours.map((count, hour) => ({
            hour,
            count,
            height: count ? Math.max(8, Math.round((100 * count) / peak)) : 0,
            title: `${String(hour).padStart(2, '0')}:00–${String(hour + 1).padStart(2, '0')}:00: ${count} event${count === 1 ? '' : 's'}`,
          })),
        }))
        .sort((a, b) => a.name.localeCompare(b.name))
    },

    // -- clips: the event as video, cut from the camera's recording (`clip_url`) ----------------

    playClip(event) {
      this.clip = event
      this.clipError = ''
      const video = this.$refs.clip
      video.src = event.clip_url
      video.play().catch(() => {})
      this.$nextTick(() => video.focus())
    },

    closeClip() {
      const video = this.$refs.clip
      video.pause()
      video.removeAttribute('src')
      video.load()
      this.clip = null
    },

    clipFailed() {
      if (this.clip) this.clipError = 'No clip of this event: no recording of the camera covers it (yet), or the camera is offline.'
    },

    get clipTitle() {
      const e = this.clip
      return e ? `${label(e.type)} · ${e.camera_name || e.camera_id} · ${time(e.started_at)}` : ''
    },

    cameraHref(event) {
      return `#/camera/${encodeURIComponent(event.camera_id)}`
    },

    time,
    duration,
    label,
  }
}
