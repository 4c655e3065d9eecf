# syntax=docker/dockerfile:1
# Build stage: install everything from the lockfile and compile TypeScript.
FROM node:20.20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies only, compiled output, unprivileged user.
FROM node:20.20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY schema ./schema
USER node
EXPOSE 4000
ENV FLEET_GRAPH_HOST=0.0.0.0 FLEET_GRAPH_LOG_FORMAT=json
ENTRYPOINT ["node", "dist/main.js"]
CMD ["serve", "--backend", "in-cluster", "--auth", "kubernetes"]
