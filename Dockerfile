# Multi-stage build of both apps (registry and worker share one image; the command picks the app).
#   docker build --build-arg GIT_COMMIT=$(git rev-parse --short HEAD) -t registry-events .
#   docker run -p 5000:5000 -e REGISTRY_REDIS_ADDR=redis:6379 registry-events
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY apps ./apps
COPY libs ./libs
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# The image has no .git: --version and the start log read the commit from here.
ARG GIT_COMMIT=unknown
ENV NODE_ENV=production REGISTRY_GIT_COMMIT=$GIT_COMMIT
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /var/lib/registry /etc/registry && chown node:node /var/lib/registry
USER node
VOLUME /var/lib/registry
EXPOSE 5000
# Without a config file: filesystem storage under /var/lib/registry. Mount /etc/registry/config.yml
# and pass it as the argument (or set REGISTRY_CONFIGURATION_PATH) to configure more.
ENV REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY=/var/lib/registry \
    REGISTRY_HTTP_ADDR=:5000
CMD ["node", "dist/apps/registry/src/main.js"]
