// A camera's controls, rendered from its entity descriptions (`GET /cameras/{id}/entities`, the
// bridge's feature table) — never from its model:
//
//   {key, kind, name, unit, min, max, step, options, category, writable, state_field, value_path,
//    command: {attribute, payload, on, off}}
//
// `kind` picks the widget (switch, number, select, button; anything not writable is shown as a
// reading), `state_field` (or `value_path`) names where the camera's state (`reolink/<id>`) holds
// the current value, and a change is sent as MQTT's `<id>/set/<attribute>` with a plain value
// (a button's `payload`, a switch's `on`/`off`), through `POST /cameras/{id}/set/{attribute}`.
// Each control shows its command's result or error.

import * as api from './api.js'
import { label } from './events.js'

const SWITCH_KINDS = new Set(['switch', 'light', 'siren'])

export function widget(entity) {
  if (!entity.writable) return 'reading'
  if (SWITCH_KINDS.has(entity.kind)) return 'switch'
  if (entity.kind === 'number') return 'number'
  if (entity.kind === 'select') return 'select'
  if (entity.kind === 'button') return 'button'
  return 'reading'
}

export function isOn(value, entity) {
  const on = entity && entity.command && entity.command.on
  if (on !== undefined && on !== null) return String(value).toLowerCase() === String(on).toLowerCase()
  return value === true || value === 'ON' || value === 'on'
}

function at(state, path) {
  return path.split('.').reduce((value, part) => (value === null || value === undefined ? value : value[part]), state)
}

// Entities grouped by category (controls first, then settings, then the rest), in list order.
const GROUP_ORDER = ['controls', 'config', 'diagnostic']

export function groups(entities) {
  const order = []
  const byCategory = new Map()
  for (const entity of entities) {
    const category = entity.category || 'controls'
    if (!byCategory.has(category)) {
      byCategory.set(category, [])
      order.push(category)
    }
    byCategory.get(category).push(entity)
  }
  const rank = (category) => {
    const at = GROUP_ORDER.indexOf(category)
    return at < 0 ? GROUP_ORDER.length : at
  }
  return order
    .sort((a, b) => rank(a) - rank(b))
    .map((category) => ({ category, title: label(category), entities: byCategory.get(category) }))
}

// The entities that the PTZ panel shows (ptz.js): pad buttons, presets, patrol and zoom.
export function isPtz(entity) {
  const attribute = entity.command && entity.command.attribute
  return !!attribute && (attribute.startsWith('ptz') || attribute === 'zoom')
}

// One camera's entity descriptions, asked once for the panels of one camera view.
const asked = new Map()

export function entitiesOf(cameraId) {
  if (!asked.has(cameraId)) {
    asked.set(cameraId, api.entities(cameraId))
    setTimeout(() => asked.delete(cameraId), 5000)
  }
  return asked.get(cameraId)
}

// An entity's command sent as `POST /cameras/{id}/set/{attribute}`: {ok, text} for the page.
export async function sendCommand(cameraId, entity, value) {
  try {
    const attribute = (entity.command && entity.command.attribute) || entity.key
    const result = await api.request('POST', `/cameras/${api.path(cameraId)}/set/${api.path(attribute)}`, { value })
    return result.status === 'ok' ? { ok: true, text: 'Done' } : { ok: false, text: result.error || 'The camera refused' }
  } catch (err) {
    return { ok: false, text: err.message }
  }
}

// Detections are the badges under the picture, images the picture itself, and an event entity
// (a doorbell's ring, the detection stream) has no value to show: the panel leaves them out.
const NOT_CONTROLS = new Set(['image', 'event'])

function shownAsControl(entity) {
  return !entity.events && !NOT_CONTROLS.has(entity.kind)
}

export function stateValue(state, entity) {
  const value = entity.value_path ? at(state, entity.value_path) : state[entity.state_field || entity.key]
  return value === null || value === undefined || typeof value === 'object' ? '' : value
}

export function controlsPanel(cameraId) {
  return {
    entities: [],
    results: {},
    busy: {},

    onChange: null,

    async init() {
      const keep = (list) => list.filter((e) => !isPtz(e) && shownAsControl(e))
      this.onChange = (e) => {
        if (e.detail.cameraId === cameraId) this.entities = keep(e.detail.entities)
      }
      window.addEventListener('entities-changed', this.onChange)
      this.entities = keep(await entitiesOf(cameraId))
    },

    destroy() {
      window.removeEventListener('entities-changed', this.onChange)
    },

    get groups() {
      return groups(this.entities)
    },

    state() {
      return this.$store.app.states[cameraId] || {}
    },

    widget,

    value(entity) {
      return stateValue(this.state(), entity)
    },

    checked(entity) {
      return isOn(this.value(entity), entity)
    },

    reading(entity) {
      const value = this.value(entity)
      if (value === '') return '—'
      if (typeof value === 'boolean') return value ? 'Yes' : 'No'
      return `${value}${entity.unit ? ` ${entity.unit}` : ''}`
    },

    optionSelected(entity, option) {
      return String(this.value(entity)) === String(option)
    },

    isBusy(entity) {
      return this.busy[entity.key] === true
    },

    result(entity) {
      return this.results[entity.key] || null
    },

    toggle(entity) {
      const command = entity.command || {}
      return this.send(entity, this.checked(entity) ? command.off || 'OFF' : command.on || 'ON')
    },

    press(entity) {
      return this.send(entity, (entity.command && entity.command.payload) || 'PRESS')
    },

    change(entity, event) {
      const raw = event.target.value
      return this.send(entity, entity.kind === 'number' ? Number(raw) : raw)
    },

    async send(entity, value) {
      this.busy[entity.key] = true
      this.results[entity.key] = null
      this.results[entity.key] = await sendCommand(cameraId, entity, value)
      this.busy[entity.key] = false
    },
  }
}
