# The node agent image: one container per host (or several, each with its own AGENT_ID).
# Build from the repository root:  docker build -f deploy/node-agent.Dockerfile -t xenoserver-agent .

FROM node:20-bookworm-slim AS build
WORKDIR /app
# npm 11 honours package.json "allowScripts" (which dependency install scripts may run).
RUN npm install -g npm@11
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
# The agent exits 0 on SIGTERM after removing its heartbeat, so `docker stop` is clean.
CMD ["node", "--enable-source-maps", "dist/apps/node-agent/src/main.js"]
