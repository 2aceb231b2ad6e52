// The camera view's live player.
//
// The stream catalogue (`GET /cameras/{id}/streams`) names each stream's signed HLS and FLV URLs
// (no camera password in them; they expire, `urls_expire_at`). The player plays a stream's HLS
// with hls.js over Media Source Extensions (loaded only when a camera view opens: the grid never
// pays for it), or natively where the browser plays HLS itself (Safari). When neither can play,
// or the stream fails, the page falls back to the camera's picture and says why.

import * as api from './api.js'

const RETRIES = 2
const RETRY_PAUSE = 2000

let hlsModule = null

function loadHls() {
  if (!hlsModule) hlsModule = import('hls.js/light').then((m) => m.default)
  return hlsModule
}

// The streams of `cameraId` a browser can play (H.264 with an HLS or FLV URL), best first.
export async function playableStreams(cameraId) {
  const catalogue = await api.get(`/cameras/${api.path(cameraId)}/streams`)
  // an NVR answers one entry per channel: its own page plays none of them
  const entry = catalogue.cameras.find((c) => c.camera_id === cameraId)
  if (!entry) return { streams: [], preferred: null, nvr: catalogue.cameras.length > 0 }
  const streams = entry.streams.filter((s) => s.browser_playable && (s.urls.hls || s.urls.flv))
  return { streams, preferred: entry.default_stream, online: entry.online }
}

export function streamLabel(stream) {
  const size = stream.width && stream.height ? ` ${stream.width}×${stream.height}` : ''
  const names = { main: 'Main', sub: 'Sub', ext: 'Extra' }
  return `${names[stream.name] || stream.name}${size}`
}

// Plays `url` (HLS) in `video`; `onFail(reason)` when it cannot (after a few retries).
export class Player {
  constructor(video, onFail, onPlaying) {
    this.video = video
    this.onFail = onFail
    this.onPlaying = onPlaying
    this.hls = null
    this.retries = 0
    this.stopped = false
    this.playing = () => {
      this.retries = 0
      this.onPlaying()
    }
    video.addEventListener('playing', this.playing)
  }

  async play(url) {
    this.detach()
    this.stopped = false
    const video = this.video
    const Hls = await loadHls()
    if (this.stopped) return
    if (Hls.isSupported()) {
      const hls = new Hls({ lowLatencyMode: false, backBufferLength: 10, liveSyncDurationCount: 2 })
      this.hls = hls
      hls.on(Hls.Events.ERROR, (_, data) => {
        if (!data.fatal || this.hls !== hls) return
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.retries < RETRIES) {
          this.retries += 1
          hls.recoverMediaError()
          return
        }
        const status = data.response && data.response.code
        this.fail(status ? `the bridge answered ${status}` : data.details || 'the stream broke off', url)
      })
      hls.loadSource(url)
      hls.attachMedia(video)
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = url
    } else {
      this.onFail('this browser plays no HLS (no Media Source Extensions)')
      return
    }
    video.muted = true
    video.play().catch(() => {}) // autoplay of a muted video is allowed; a refusal waits for a click
  }

  fail(reason, url) {
    this.detach()
    if (this.stopped) return
    if (this.retries < RETRIES) {
      this.retries += 1
      this.timer = setTimeout(() => this.play(url), RETRY_PAUSE)
      return
    }
    this.onFail(reason)
  }

  detach() {
    clearTimeout(this.timer)
    if (this.hls) {
      this.hls.destroy()
      this.hls = null
    }
    this.video.removeAttribute('src')
  }

  stop() {
    this.stopped = true
    this.detach()
    this.video.removeEventListener('playing', this.playing)
    this.video.load()
  }
}
