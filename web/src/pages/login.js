// The login page: the admin's name and password (POST /auth/login).

import * as api from '../api.js'

export function loginPage() {
  return {
    username: 'admin',
    password: '',
    error: '',
    busy: false,

    init() {
      this.$nextTick(() => this.$refs.password?.focus())
    },

    async submit() {
      this.busy = true
      this.error = ''
      try {
        await api.login(this.username.trim(), this.password)
        this.password = ''
        await this.$store.app.signedInNow()
        this.$store.app.go('#/')
      } catch (err) {
        this.error = err.status === 401 || err.status === 429 ? err.message : `The bridge refused: ${err.message}`
        this.$nextTick(() => this.$refs.password?.focus())
      } finally {
        this.busy = false
      }
    },
  }
}
