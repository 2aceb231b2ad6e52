// The dashboard's entry point: Alpine's CSP build (no eval: the page runs under a strict
// Content-Security-Policy), the shared store and one component per page.

import Alpine from '@alpinejs/csp'
import './style.css'
import { cameraPage } from './pages/camera.js'
import { cameraTile, dashboardPage } from './pages/dashboard.js'
import { eventsPage } from './pages/events.js'
import { loginPage } from './pages/login.js'
import { recordingsPage } from './pages/recordings.js'
import { settingsPage } from './pages/settings.js'
import { controlsPanel } from './controls.js'
import { ptzPanel } from './ptz.js'
import { createStore } from './store.js'

Alpine.data('loginPage', loginPage)
Alpine.data('dashboardPage', dashboardPage)
Alpine.data('cameraTile', cameraTile)
Alpine.data('cameraPage', cameraPage)
Alpine.data('controlsPanel', controlsPanel)
Alpine.data('ptzPanel', ptzPanel)
Alpine.data('eventsPage', eventsPage)
Alpine.data('recordingsPage', recordingsPage)
Alpine.data('settingsPage', settingsPage)

window.Alpine = Alpine
createStore(Alpine).init()
Alpine.start()
