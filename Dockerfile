# Dure sync server: one process serving the built web app and the encrypted sync endpoint on one port.
# Not built on the development machines (no Docker engine there): see sync-server/README.md.
#
#   docker build -t dure .
#   docker run -d --name dure -p 8080:8080 -v dure-data:/data dure
#   docker run ... -e DURE_INVITE_TOKEN=... -e DURE_RETENTION_DAYS=365 dure

# ---- build: install (better-sqlite3 compiles from source here), build web/ ----
FROM node:22-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    ELECTRON_SKIP_BINARY_DOWNLOAD=1
# Manifests first, so the dependency layer is cached while only sources change.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY web/package.json web/
COPY sync-server/package.json sync-server/
COPY electron/package.json electron/
COPY test/package.json test/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w web

# ---- runtime: no compiler, non-root ----
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# The server runs its TypeScript through tsx (a root devDependency), so node_modules is copied whole.
COPY --from=build /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself (clean close, exit 0); `docker stop` waits 10 s by default.
CMD ["node", "sync-server/bin/dure-server.mjs", "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data"]
