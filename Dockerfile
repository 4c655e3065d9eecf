# syntax=docker/dockerfile:1
# fleet-graph production image. test/deploy/image.test.ts replays this file's COPY/RUN/ENV steps
# from a clean clone and serves with the result, so keep one instruction per line (RUN lines may
# continue with a trailing backslash).
#
# Node 24 (LTS): graphql-yoga's @whatwg-node packages declare node >= 22.15, which 20 does not meet.
ARG NODE_IMAGE=node:24-trixie-slim

# Build stage: every dependency from the lockfile, then compile TypeScript.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The npm cache is a build cache mount, so it never lands in a layer.
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only, the compiled output, no compiler, no dev tools.
FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="fleet-graph" \
      org.opencontainers.image.description="A GraphQL gateway over Rancher Fleet state" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# tini as PID 1: forwards SIGTERM to node (which drains and exits) and reaps zombies.
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund --ignore-scripts
COPY --from=build /app/dist ./dist
COPY schema ./schema
# Files stay owned by root and read-only to the process; a numeric UID lets Kubernetes verify
# runAsNonRoot (the chart runs the same UID).
USER 10001:10001
EXPOSE 4000 9090
ENV FLEET_GRAPH_HOST=0.0.0.0 FLEET_GRAPH_LOG_FORMAT=json
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--", "node", "dist/main.js"]
CMD ["serve", "--backend", "in-cluster", "--auth", "kubernetes", "--graphiql", "false", "--introspection", "false"]
