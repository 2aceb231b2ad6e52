// The camera view's pan/tilt/zoom panel, drawn from the camera's entity descriptions like every
// other control (controls.js): the PTZ buttons the camera has (`command.attribute` "ptz", their
// `payload` the move), its switches (patrol, guard position), its presets (a select, and text
// entities to save and delete them) and its zoom (a number). A camera without them shows no panel.
//
// A move lasts while its button is held (pointer, Enter or Space) and stops when it is let go;
// commands go out one after another, so a stop never overtakes its move.

import { entitiesOf, isOn, isPtz, sendCommand, stateValue } from './controls.js'

// Where a move's button sits on the 3 × 3 pad (row, column); the others go beside it.
const PAD = {
  left_up: [0, 0],
  up: [0, 1],
  right_up: [0, 2],
  left: [1, 0],
  stop: [1, 1],
  right: [1, 2],
  left_down: [2, 0],
  down: [2, 1],
  right_down: [2, 2],
}
const GLYPHS = {
  left_up: '↖',
  up: '↑',
  right_up: '↗',
  left: '←',
  stop: '■',
  right: '→',
  left_down: '↙',
  down: '↓',
  right_down: '↘',
  zoom_in: '+',
  zoom_out: '−',
}
// Moves that go on until stopped (held), unlike a stop, a patrol or a preset.
const HELD = new Set([...Object.keys(PAD), 'zoom_in', 'zoom_out', 'focus_near', 'focus_far'].filter((op) => op !== 'stop'))

function op(entity) {
  return (entity.command && entity.command.payload) || ''
}

// "PTZ go to guard" → "Go to guard": the panel's title says PTZ already.
function shortName(name) {
  const text = name.replace(/^PTZ\s+/i, '')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function ptzPanel(cameraId) {
  return {
    entities: [],
    result: null,
    holding: null,
    queue: Promise.resolve(),
    preset: '',

    names: {},
    onChange: null,

    async init() {
      this.onChange = (e) => {
        if (e.detail.cameraId === cameraId) this.adopt(e.detail.entities)
      }
      window.addEventListener('entities-changed', this.onChange)
      this.adopt(await entitiesOf(cameraId))
    },

    destroy() {
      window.removeEventListener('entities-changed', this.onChange)
    },

    adopt(entities) {
      this.entities = entities.filter(isPtz)
      const options = (this.presetEntity && this.presetEntity.options) || []
      if (!options.includes(this.preset)) this.preset = options[0] || ''
      for (const entity of this.forms) {
        const choices = entity.options || []
        if (choices.length && !choices.includes(this.names[entity.key])) this.names[entity.key] = choices[0]
        else if (!(entity.key in this.names)) this.names[entity.key] = ''
      }
    },

    get present() {
      return this.entities.length > 0
    },

    get buttons() {
      return this.entities.filter((e) => e.kind === 'button' && e.writable && op(e))
    },

    // The pad's nine cells, each a button entity or an empty place.
    get pad() {
      const cells = Array.from({ length: 9 }, (_, i) => ({ id: `cell-${i}`, entity: null }))
      for (const entity of this.buttons) {
        const place = PAD[op(entity)]
        if (place) cells[place[0] * 3 + place[1]] = { id: entity.key, entity }
      }
      return cells
    },

    get hasPad() {
      return this.buttons.some((e) => PAD[op(e)])
    },

    // The buttons not on the pad (zoom steps, the guard position), in list order.
    get others() {
      return this.buttons.filter((e) => !PAD[op(e)])
    },

    // On/off settings of the PTZ (patrol running, return to the guard position).
    get switches() {
      return this.entities.filter((e) => e.kind === 'switch' && e.writable)
    },

    switchOn(entity) {
      return isOn(stateValue(this.$store.app.states[cameraId] || {}, entity), entity)
    },

    toggle(entity) {
      const command = entity.command || {}
      return this.send(entity, this.switchOn(entity) ? command.off || 'OFF' : command.on || 'ON')
    },

    get presetEntity() {
      return this.entities.find((e) => e.kind === 'select' && e.writable) || null
    },

    // Text commands (save a preset under a name, delete one of the listed presets): a small
    // form each, a select where the entity lists its options, else a name to type.
    get forms() {
      return this.entities.filter((e) => e.kind === 'text' && e.writable)
    },

    setName(entity, event) {
      this.names[entity.key] = event.target.value
    },

    submitForm(entity) {
      const value = (this.names[entity.key] || '').trim()
      if (!value) {
        this.result = { ok: false, text: 'Enter a name first.' }
        return null
      }
      return this.send(entity, value).then(() => {
        if (this.result.ok && !(entity.options && entity.options.length)) this.names[entity.key] = ''
      })
    },

    get zoomEntity() {
      return this.entities.find((e) => e.kind === 'number' && e.writable) || null
    },

    get stopEntity() {
      return this.buttons.find((e) => op(e) === 'stop') || null
    },

    glyph(entity) {
      return GLYPHS[op(entity)] || ''
    },

    label(entity) {
      return shortName(entity.name)
    },

    held(entity) {
      return HELD.has(op(entity))
    },

    zoomValue() {
      return stateValue(this.$store.app.states[cameraId] || {}, this.zoomEntity)
    },

    send(entity, value) {
      const next = this.queue.then(async () => {
        this.result = await sendCommand(cameraId, entity, value)
      })
      this.queue = next
      return next
    },

    // -- buttons: pressed (a step, stop, the guard position) or held (a move) ----------------

    down(entity, event) {
      if (event && event.button !== undefined && event.button !== 0) return
      if (!this.held(entity)) return this.send(entity, op(entity))
      if (this.holding) return null
      this.holding = entity.key
      return this.send(entity, op(entity))
    },

    keyDown(entity, event) {
      if (event.repeat) return null
      return this.down(entity)
    },

    up(entity) {
      if (this.holding !== entity.key) return null
      this.holding = null
      const stop = this.stopEntity
      return stop ? this.send(stop, op(stop)) : null
    },

    isHolding(entity) {
      return this.holding === entity.key
    },

    // The pointer and key handlers of a PTZ button, once for the pad and the other buttons
    // (`x-bind="hold(entity)"`): pressed on pointer down, Enter or Space; a held move stops when
    // the pointer or key is released, the pointer leaves or the button loses the focus.
    hold(entity) {
      const release = () => this.up(entity)
      const press = (event) => this.keyDown(entity, event)
      return {
        '@pointerdown': (event) => this.down(entity, event),
        '@pointerup': release,
        '@pointerleave': release,
        '@pointercancel': release,
        '@keydown.enter.prevent': press,
        '@keydown.space.prevent': press,
        '@keyup.enter': release,
        '@keyup.space': release,
        '@blur': release,
      }
    },

    // -- presets and zoom ------------------------------------------------------------------

    choosePreset(event) {
      this.preset = event.target.value
    },

    goToPreset() {
      if (this.preset) return this.send(this.presetEntity, this.preset)
      return null
    },

    isCurrentPreset(name) {
      return String(stateValue(this.$store.app.states[cameraId] || {}, this.presetEntity)) === name
    },

    zoomTo(event) {
      return this.send(this.zoomEntity, Number(event.target.value))
    },
  }
}
