# The bridge as a container: `docker compose up` (see docker-compose.yml) runs it with
# PostgreSQL, Redis and Mosquitto. ffmpeg is for snapshots/streams of simulated cameras.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bridge ./bridge
COPY migrations ./migrations
RUN pip install --no-cache-dir .

RUN useradd --system --home /data bridge && mkdir -p /data && chown bridge /data
USER bridge
ENV REOLINK_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["reolink-bridge"]
CMD ["run", "--config", "/config/config.yaml"]
