# syntax=docker/dockerfile:1

# Node 22 LTS, as in .nvmrc. The runtime stage uses the same base, so the native module
# (bcrypt) compiled or downloaded here matches its glibc and Node ABI.
ARG NODE_IMAGE=node:22-bookworm-slim

# ---- toolchain: node-gyp needs these when a native module has no prebuilt binary ----
FROM ${NODE_IMAGE} AS toolchain
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./

# ---- build: every dependency, then the TypeScript build ----
FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

# ---- production dependencies only: no dev tools, no SQLite (optional), no pino-pretty (dev) ----
FROM toolchain AS production-dependencies
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund

# ---- runtime: no compiler, no npm cache; the API and the operator commands ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=production-dependencies --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The image's own unprivileged user; the code it runs is owned by root and read-only to it.
USER node
EXPOSE 3000
# Liveness only: a database or Redis outage must not get a serving container restarted
# (readiness is /health/ready). Node 22 has fetch built in, so the check needs no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 receives SIGTERM itself and shuts down gracefully (src/main.ts). The worker
# process (node dist/src/worker.js) and the operator commands run in the same image:
# node dist/src/cli/{migration,seed,superuser-create}.js
CMD ["node", "dist/src/main.js"]
