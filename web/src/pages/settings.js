// Settings: the cameras (add, edit, remove), API tokens (create — shown once — and revoke),
// MQTT and discovery, event settings, storage use.

import * as api from '../api.js'
import { bytes, label, time } from '../events.js'

const EMPTY_FORM = { id: '', name: '', host: '', port: '', https: false, username: 'admin', password: '' }

export function settingsPage() {
  return {
    devices: [],
    devicesLoaded: false,
    form: { ...EMPTY_FORM },
    editing: null,
    formOpen: false,
    formError: '',
    saving: false,
    testing: false,
    testResult: null,
    removing: null,
    tokens: [],
    tokenName: '',
    tokenScope: 'read',
    newToken: null,
    tokenError: '',
    storage: null,
    ready: null,
    onChange: null,

    init() {
      this.onChange = () => this.loadDevices()
      window.addEventListener('cameras-changed', this.onChange)
      this.loadDevices()
      this.loadTokens()
      this.loadStorage()
      api.probe('/ready').then((r) => (this.ready = r))
    },

    destroy() {
      window.removeEventListener('cameras-changed', this.onChange)
    },

    // -- cameras ----------------------------------------------------------------------------

    async loadDevices() {
      try {
        this.devices = await api.get('/cameras')
        this.devicesLoaded = true
      } catch (err) {
        this.$store.app.fail(err)
      }
    },

    // Live (from the WebSocket) once the bridge has said so, else as listed.
    deviceOnline(device) {
      const known = this.$store.app.availability[device.id]
      return known === undefined ? device.online : known
    },

    deviceModel(device) {
      return device.capabilities?.model || 'not connected yet'
    },

    deviceAddress(device) {
      return `${device.https ? 'https' : 'http'}://${device.host}${device.port ? `:${device.port}` : ''}`
    },

    openAdd() {
      this.form = { ...EMPTY_FORM }
      this.editing = null
      this.formError = ''
      this.testResult = null
      this.formOpen = true
      this.$nextTick(() => this.$refs.firstField?.focus())
    },

    openEdit(device) {
      this.form = {
        id: device.id,
        name: device.name,
        host: device.host,
        port: device.port ?? '',
        https: device.https,
        username: device.username,
        password: '',
      }
      this.editing = device.id
      this.formError = ''
      this.testResult = null
      this.formOpen = true
      this.$nextTick(() => this.$refs.nameField?.focus())
    },

    closeForm() {
      this.formOpen = false
      this.editing = null
    },

    body() {
      const f = this.form
      const body = {
        name: f.name.trim(),
        host: f.host.trim(),
        port: f.port === '' || f.port === null ? null : Number(f.port),
        https: f.https,
        username: f.username.trim() || 'admin',
      }
      if (f.password) body.password = f.password
      if (!this.editing) body.id = f.id.trim()
      return body
    },

    // A dry run of the form's address and credentials (POST /cameras/test): nothing is added.
    async testConnection() {
      const f = this.form
      if (!f.host.trim()) {
        this.testResult = { ok: false, text: 'Enter the address first.' }
        return
      }
      const body = {
        host: f.host.trim(),
        port: f.port === '' || f.port === null ? null : Number(f.port),
        https: f.https,
        username: f.username.trim() || 'admin',
      }
      if (f.password) body.password = f.password
      else if (this.editing) body.camera_id = this.editing
      this.testing = true
      this.testResult = null
      try {
        const result = await api.request('POST', '/cameras/test', body)
        this.testResult = describeTest(result)
        // a new camera without a name yet takes the one it calls itself
        if (result.ok && !this.editing && !f.name.trim() && result.device.name) f.name = result.device.name
      } catch (err) {
        this.testResult = { ok: false, text: err.message }
      } finally {
        this.testing = false
      }
    },

    async save() {
      this.saving = true
      this.formError = ''
      try {
        if (this.editing) {
          await api.request('PUT', `/cameras/${api.path(this.editing)}`, this.body())
          this.$store.app.notify(`Camera ${this.editing} saved`)
        } else {
          const made = await api.request('POST', '/cameras', this.body())
          this.$store.app.notify(`Camera ${made.id} added`)
        }
        this.closeForm()
        await Promise.all([this.loadDevices(), this.$store.app.loadViews()])
      } catch (err) {
        this.formError = err.message
      } finally {
        this.saving = false
      }
    },

    askRemove(device) {
      this.removing = device.id
    },

    cancelRemove() {
      this.removing = null
    },

    async remove() {
      const id = this.removing
      try {
        await api.request('DELETE', `/cameras/${api.path(id)}`)
        this.$store.app.notify(`Camera ${id} removed`)
        this.removing = null
        await Promise.all([this.loadDevices(), this.$store.app.loadViews()])
      } catch (err) {
        this.removing = null
        this.$store.app.notify(`Not removed: ${err.message}`, 'error')
      }
    },

    // -- tokens -----------------------------------------------------------------------------

    async loadTokens() {
      try {
        this.tokens = await api.get('/auth/tokens')
      } catch (err) {
        this.$store.app.fail(err)
      }
    },

    get activeTokens() {
      return this.tokens.filter((t) => !t.revoked_at)
    },

    async createToken() {
      this.tokenError = ''
      try {
        this.newToken = await api.request('POST', '/auth/tokens', { name: this.tokenName.trim(), scope: this.tokenScope })
        this.tokenName = ''
        await this.loadTokens()
      } catch (err) {
        this.tokenError = err.message
      }
    },

    async copyToken() {
      try {
        await navigator.clipboard.writeText(this.newToken.token)
        this.$store.app.notify('Token copied')
      } catch {
        this.$store.app.notify('Copy it by hand: the clipboard is not available here', 'error')
      }
    },

    dismissToken() {
      this.newToken = null
    },

    async revoke(token) {
      try {
        await api.request('DELETE', `/auth/tokens/${api.path(token.id)}`)
        this.$store.app.notify(`Token ${token.name} revoked`)
        await this.loadTokens()
      } catch (err) {
        this.$store.app.notify(`Not revoked: ${err.message}`, 'error')
      }
    },

    // -- the bridge -------------------------------------------------------------------------

    get mqttRows() {
      const mqtt = this.$store.app.info?.config?.mqtt
      if (!mqtt) return []
      const connected = this.ready ? this.ready.mqtt : null
      return [
        ['Broker', mqtt.enabled === false ? 'MQTT is off' : mqtt.url],
        ['Connection', connected === null ? (mqtt.enabled === false ? 'off' : '…') : connected ? 'connected' : 'not connected'],
        ['Base topic', mqtt.base_topic],
        ['Home Assistant discovery', `${mqtt.discovery} (prefix ${mqtt.discovery_prefix})`],
        ['Messages dropped', String(this.$store.app.info?.mqtt?.dropped_messages ?? 0)],
      ].map(([name, value]) => ({ name, value: String(value ?? '—') }))
    },

    get eventRows() {
      const config = this.$store.app.info?.config
      if (!config) return []
      return Object.entries(config.events || {}).map(([key, value]) => ({
        name: label(key),
        value: typeof value === 'boolean' ? (value ? 'Yes' : 'No') : String(value),
      }))
    },

    async loadStorage() {
      try {
        this.storage = await api.get('/system/storage')
      } catch (err) {
        this.$store.app.fail(err)
      }
    },

    get storageParts() {
      const s = this.storage
      if (!s) return []
      return s.parts.map((p) => ({ name: label(p.name), size: bytes(p.bytes) }))
    },

    get diskUsedPercent() {
      const s = this.storage
      if (!s || !s.disk_total_bytes) return 0
      return Math.round((100 * (s.disk_total_bytes - s.disk_free_bytes)) / s.disk_total_bytes)
    },

    get diskText() {
      const s = this.storage
      if (!s) return ''
      return `${bytes(s.disk_free_bytes)} free of ${bytes(s.disk_total_bytes)} (${this.diskUsedPercent} % used)`
    },

    bytes,
    time,
  }
}

const STAGES = {
  address: 'Not allowed',
  connect: 'No connection',
  login: 'Login refused',
  read: 'Connected, but the answer was not understood',
}

// A test's answer as the form shows it: what was found, or which step failed and why.
function describeTest(result) {
  if (!result.ok) return { ok: false, text: `${STAGES[result.stage] || 'Failed'}: ${result.error}` }
  const d = result.device
  const what = [d.model, d.name ? `“${d.name}”` : '', d.firmware ? `firmware ${d.firmware}` : ''].filter(Boolean).join(', ')
  const channels = d.kind === 'nvr' ? ` — ${d.channels.length} channels (${d.channels.filter((c) => c.online).length} online)` : ''
  return { ok: true, text: `Found ${what}${channels} at ${result.address} in ${result.seconds.toFixed(1)} s.` }
}
