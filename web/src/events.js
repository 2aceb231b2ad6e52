// Events as the pages show them: stored records (GET /events) and live frames made alike.

// A live `reolink/<id>/event` payload as a stored record looks (`start`, `end`, `instant`).
export function eventFromLive(payload) {
  const ended = payload.phase === 'end'
  return {
    event_id: payload.event_id,
    camera_id: payload.camera_id,
    camera_name: payload.camera_name || '',
    channel: payload.channel ?? 0,
    type: payload.type,
    phase: payload.phase,
    started_at: ended ? payload.started_at || payload.timestamp : payload.timestamp,
    ended_at: ended ? payload.timestamp : null,
    duration: payload.duration ?? null,
    has_snapshot: false,
    acknowledged: false,
    acknowledged_at: null,
    acknowledged_by: null,
    metadata: payload.data || {},
    snapshot_url: payload.snapshot_url ?? null,
    clip_url: payload.clip_url ?? null,
  }
}

// The list with `record` in it: a known event (its end arriving) is updated in place, a new one
// goes first; at most `size` are kept.
export function mergeEvent(list, record, size) {
  const at = list.findIndex((e) => e.event_id === record.event_id)
  if (at >= 0) {
    const merged = { ...list[at], ...withoutEmpty(record) }
    merged.acknowledged = list[at].acknowledged || record.acknowledged
    const next = list.slice()
    next[at] = merged
    return next
  }
  return [record, ...list].slice(0, size)
}

function withoutEmpty(record) {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null && v !== undefined))
}

const SPELLED = { ir: 'IR', led: 'LED', ftp: 'FTP', ptz: 'PTZ', nvr: 'NVR', ai: 'AI', hdr: 'HDR', wifi: 'Wi-Fi', mb: 'MB' }

// `status_led` → "Status LED": a field or type name as a person reads it.
export function label(word) {
  if (!word) return ''
  const words = String(word).split('_').map((w) => SPELLED[w] || w)
  const text = words.join(' ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function time(iso) {
  if (!iso) return ''
  const date = new Date(iso)
  const today = new Date()
  const sameDay = date.toDateString() === today.toDateString()
  const clock = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
  return sameDay ? clock : `${date.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${clock}`
}

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return ''
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`
  const minutes = Math.floor(seconds / 60)
  return `${minutes} min ${Math.round(seconds % 60)} s`
}

export function bytes(count) {
  if (count === null || count === undefined) return '—'
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let value = count
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit += 1
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`
}

// Local midnight of a yyyy-mm-dd date, and of the next day, as ISO strings (with the offset).
export function dayRange(day) {
  const [y, m, d] = day.split('-').map(Number)
  const start = new Date(y, m - 1, d)
  const end = new Date(y, m - 1, d + 1)
  return { since: start.toISOString(), until: end.toISOString() }
}

export function today() {
  const now = new Date()
  const pad = (n) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}

// The detections a camera reports: the detection types that are yes/no fields of its state (a
// field the camera cannot detect stays null). Both lists come from the bridge.
export function detections(state, detectionTypes) {
  if (!state) return []
  return detectionTypes.filter((type) => typeof state[type] === 'boolean')
}

export function activeDetections(state, detectionTypes) {
  return detections(state, detectionTypes).filter((type) => state[type] === true)
}
