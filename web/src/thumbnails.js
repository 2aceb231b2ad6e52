// Grid pictures: only tiles on screen are fetched, a few at a time, each again every REFRESH ms
// (GET /cameras/{id}/thumbnail: the bridge takes at most one picture per camera per 10 s and
// never wakes a battery camera). A hundred cameras never means a hundred requests at once.

import { path, picture } from './api.js'

const CONCURRENCY = 3
const REFRESH = 15000

const waiting = []
let running = 0

function pump() {
  while (running < CONCURRENCY && waiting.length) {
    const job = waiting.shift()
    running += 1
    job().finally(() => {
      running -= 1
      pump()
    })
  }
}

function schedule(job) {
  waiting.push(job)
  pump()
}

const observer =
  typeof IntersectionObserver === 'undefined'
    ? null
    : new IntersectionObserver((entries) => {
        for (const entry of entries) {
          const tile = tiles.get(entry.target)
          if (tile) tile.visible(entry.isIntersecting)
        }
      })
const tiles = new Map()

// Keeps `show(url)` supplied with a fresh picture of `cameraId` while `element` is on screen.
export function watch(element, cameraId, show) {
  let url = null
  let timer = null
  let onScreen = false
  let queued = false
  const fetchNow = () => {
    if (queued) return
    queued = true
    schedule(async () => {
      queued = false
      if (!onScreen || !tiles.has(element)) return
      try {
        const next = await picture(`/cameras/${path(cameraId)}/thumbnail`)
        if (!tiles.has(element)) {
          if (next) URL.revokeObjectURL(next)
          return
        }
        if (next) {
          if (url) URL.revokeObjectURL(url)
          url = next
          show(url)
        }
      } catch {
        // no picture this time; the tile keeps the last one and tries again later
      }
      clearTimeout(timer)
      timer = setTimeout(fetchNow, REFRESH)
    })
  }
  tiles.set(element, {
    visible(yes) {
      onScreen = yes
      if (yes) fetchNow()
    },
  })
  if (observer) observer.observe(element)
  else {
    onScreen = true
    fetchNow()
  }
  return () => {
    tiles.delete(element)
    if (observer) observer.unobserve(element)
    clearTimeout(timer)
    if (url) URL.revokeObjectURL(url)
  }
}
