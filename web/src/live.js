// The live connection: one WebSocket (/api/v1/ws/events) for the whole page.
//
// The bridge first sends every camera's retained availability and state, then every change, as
// `{"topic", "payload"}` frames identical to the MQTT messages. When the access token is
// renewed the new one is sent on the open connection (`{"auth": …}`), so it outlives the token
// it was opened with. A closed connection is opened again after a growing pause (1 s … 15 s).

import { API, accessToken, on } from './api.js'

const RETRY_MIN = 1000
const RETRY_MAX = 15000

export class Live {
  constructor(onFrame, onStatus) {
    this.onFrame = onFrame
    this.onStatus = onStatus
    this.socket = null
    this.retry = RETRY_MIN
    this.timer = null
    this.wanted = false
    on('token', (token) => this.renew(token))
  }

  start() {
    this.wanted = true
    if (!this.socket) this.open()
  }

  stop() {
    this.wanted = false
    clearTimeout(this.timer)
    const socket = this.socket
    this.socket = null
    if (socket) socket.close(1000, 'signed out')
    this.onStatus('closed')
  }

  open() {
    const token = accessToken()
    if (!token || !this.wanted) return
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
    const url = `${scheme}://${location.host}${API}/ws/events?token=${encodeURIComponent(token)}`
    const socket = new WebSocket(url)
    this.socket = socket
    this.onStatus('connecting')
    socket.addEventListener('open', () => {
      this.retry = RETRY_MIN
      this.onStatus('open')
    })
    socket.addEventListener('message', (message) => {
      let frame
      try {
        frame = JSON.parse(message.data)
      } catch {
        return
      }
      if (frame && typeof frame.topic === 'string') this.onFrame(frame.topic, frame.payload)
    })
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return
      this.socket = null
      if (!this.wanted) return
      this.onStatus('reconnecting')
      this.timer = setTimeout(() => this.open(), this.retry)
      this.retry = Math.min(RETRY_MAX, this.retry * 2)
    })
  }

  renew(token) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify({ auth: token }))
    }
  }
}
