# syntax=docker/dockerfile:1

# ---- build: compile TypeScript and the native modules (bcrypt, better-sqlite3) ----
FROM node:22-bookworm-slim AS build
WORKDIR /app
# node-gyp needs these when a native module has no prebuilt binary for this platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
COPY migrations ./migrations
# Build, then drop the dev dependencies; the compiled native modules stay in node_modules.
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: the same base image, so the native modules match its glibc and Node ABI ----
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./package.json
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The image's own unprivileged user; the code it runs is owned by root and read-only to it.
USER node
EXPOSE 3000
# Node 22 has fetch built in, so the check needs no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node as PID 1 receives SIGTERM itself and shuts down gracefully (src/main.ts).
CMD ["node", "dist/src/main.js"]
