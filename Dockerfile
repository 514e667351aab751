# syntax=docker/dockerfile:1.7
# One Dockerfile for every Baton service: `docker build --build-arg APP=<issuer|agent-research|
# agent-writer|agent-reviewer|workflow> .` (docker-compose.yml does this for all five).
# turbo prune keeps only the app and the workspace packages it depends on; the runtime image has
# production dependencies only, runs as the unprivileged `node` user, and node is PID 1 (exec
# form CMD) so it receives SIGTERM and drains.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN npm install -g pnpm@12.4.2 turbo@2.11.11

FROM base AS pruner
ARG APP
WORKDIR /repo
COPY . .
RUN test -n "${APP}" && turbo prune "@baton/${APP}" --docker

FROM base AS builder
ARG APP
# toolchain for native addons (better-sqlite3 when its prebuilt binary cannot be fetched)
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /repo
COPY --from=pruner /repo/out/json/ .
RUN pnpm install --frozen-lockfile
COPY --from=pruner /repo/out/full/ .
RUN turbo run build --filter="@baton/${APP}" \
 && pnpm --filter "@baton/${APP}" deploy --prod --legacy /app

FROM ${NODE_IMAGE} AS runner
ARG APP
# BATON_PROFILE=production: the secure defaults (act required at agents, no dev routes, no
# published dev secrets; see README "Profiles"). docker-compose.yml sets development for its try-out.
ENV NODE_ENV=production BATON_PROFILE=production HOST=0.0.0.0 BATON_APP=${APP}
WORKDIR /app
COPY --from=builder --chown=node:node /app ./
RUN mkdir -p /data && chown node:node /data
USER node
# The probe asks /healthz on PORT, else on the app's default port from @baton/contract's topology
# (every app depends on it, so it is in /app/node_modules).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=5 \
  CMD ["node", "-e", "import('@baton/contract/topology').then(({ defaultPort }) => fetch(`http://127.0.0.1:${process.env.PORT ?? defaultPort(process.env.BATON_APP)}/healthz`)).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
