# The bridge as a container: `docker compose up` (see docker-compose.yml) runs it with
# PostgreSQL, Redis and Mosquitto. ffmpeg is for snapshots/streams of simulated cameras.

# The dashboard: npm packages from the lock file, built into static files.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/index.html web/vite.config.js ./
COPY web/src ./src
RUN npm run build

FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bridge ./bridge
COPY migrations ./migrations
RUN pip install --no-cache-dir .
COPY --from=web /web/dist ./web
ENV REOLINK_SERVER__WEB_DIR=/app/web

RUN useradd --system --home /data bridge && mkdir -p /data && chown bridge /data
USER bridge
ENV REOLINK_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["reolink-bridge"]
CMD ["run", "--config", "/config/config.yaml"]
