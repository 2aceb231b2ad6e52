// The dashboard: a tile per camera and NVR channel, the recent-events feed and system health.

import * as api from '../api.js'
import { activeDetections, label, time } from '../events.js'
import { watch } from '../thumbnails.js'

const HEALTH_EVERY = 30000

export function dashboardPage() {
  return {
    health: null,
    ready: null,
    timer: null,

    init() {
      this.$store.app.loadViews() // names may have changed meanwhile
      this.loadHealth()
      this.timer = setInterval(() => this.loadHealth(), HEALTH_EVERY)
    },

    destroy() {
      clearInterval(this.timer)
    },

    get tiles() {
      return this.$store.app.views.filter((v) => !v.is_nvr)
    },

    get onlineCount() {
      return this.tiles.filter((v) => this.$store.app.online(v.camera_id)).length
    },

    async loadHealth() {
      try {
        const [health, ready] = await Promise.all([api.probe('/health'), api.probe('/ready')])
        this.health = health
        this.ready = ready
      } catch (err) {
        this.ready = { ready: false, store: false, mqtt: false, detail: err.message }
      }
    },

    get healthItems() {
      const ready = this.ready
      const info = this.$store.app.info
      const redis = info?.config?.redis?.url
      return [
        { name: 'MQTT', value: ready ? yesNo(ready.mqtt, 'connected', 'not connected', 'off') : '…', ok: ready?.mqtt !== false },
        { name: 'Store', value: ready ? (ready.store ? 'answers' : 'does not answer') : '…', ok: !!ready?.store },
        { name: 'Redis', value: redis ? 'in use' : 'not used (in-process cache)', ok: true },
        { name: 'Cameras online', value: `${this.onlineCount} of ${this.tiles.length}`, ok: this.onlineCount === this.tiles.length },
        { name: 'Version', value: this.health ? this.health.version : '…', ok: true },
      ]
    },

    eventTime: time,
    label,
  }
}

function yesNo(value, yes, no, none) {
  if (value === null || value === undefined) return none
  return value ? yes : no
}

// One grid tile: the camera's picture (while on screen), its name, online badge and what it
// detects right now. It reads its view from the store, which is reloaded when names change.
export function cameraTile(cameraId) {
  return {
    src: '',
    stop: null,

    init() {
      this.stop = watch(this.$el, cameraId, (url) => {
        this.src = url
      })
    },

    get view() {
      return this.$store.app.view(cameraId) || { camera_id: cameraId, name: cameraId }
    },

    destroy() {
      if (this.stop) this.stop()
    },

    get online() {
      return this.$store.app.online(cameraId)
    },

    get active() {
      return activeDetections(this.$store.app.states[cameraId], this.$store.app.detectionTypes)
    },

    get href() {
      return `#/camera/${encodeURIComponent(cameraId)}`
    },

    get subtitle() {
      const view = this.view
      const parent = view.parent_id ? this.$store.app.view(view.parent_id) : null
      const model = view.capabilities?.model || ''
      return [parent ? parent.name : '', model].filter(Boolean).join(' · ')
    },

    get statusText() {
      return this.online ? 'Online' : 'Offline'
    },

    detectionLabel: label,
  }
}
