# The localcloud gateway as a container image (docs/dev-stack.md).
#
#   docker build -t localcloud/gateway:dev .
#   docker build --build-arg NODE_IMAGE=node:22-bookworm-slim -t localcloud/gateway:dev .
#
# Stages: `manifests` keeps only the lock file and the workspaces' package.json files, so that both
# installs below stay cached until a manifest or the lock changes (not when sources do); `deps`
# installs the production dependencies the runtime holds; `build` installs everything, compiles
# (`tsc -b`) and bundles the gateway with its providers into packages/gateway/dist/localcloud.bundle.js
# with V8's code cache for it, made by this image's own Node; docker/entrypoint.js runs its loader,
# dist/localcloud.js (one file starts faster than thousands of modules); the final stage holds
# only what runs: those node_modules and each package's `dist` and package.json, and the ECR registry binary
# from the `registry` stage. Works with the legacy
# builder and BuildKit, and on any Node base image that has node, npm and a POSIX sh with find/cp (no
# groupadd/useradd needed: see the passwd line below).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY packages packages
RUN find packages -mindepth 2 -maxdepth 2 ! -name package.json -exec rm -rf {} +

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=manifests /src/ ./
# The npm cache is dropped in the same step: it is as large as what it installed, and a smaller
# layer commits faster.
RUN npm ci --omit=dev --no-audit --no-fund && rm -rf "$(npm config get cache)"

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY --from=manifests /src/ ./
RUN npm ci --no-audit --no-fund && rm -rf "$(npm config get cache)"
COPY tsconfig.base.json tsconfig.json ./
COPY scripts/bundle.js scripts/
COPY packages packages
RUN npm run build \
 && for dir in packages/*; do \
      if [ -d "$dir/dist" ]; then mkdir -p "/out/$dir" && cp -a "$dir/dist" "/out/$dir/"; fi; \
    done \
 && find /out \( -name '*.d.ts' -o -name '*.d.ts.map' -o -name '*.tsbuildinfo' \) -type f -exec rm -f {} +

# The ECR provider's image registry (CNCF Distribution, docs/ecr-provider.md), the binary alone: Debian's
# package where the base has apt-get (node:20-bookworm-slim), else a binary staged in the build context by
# scripts/stage-registry-binary.sh (the offline stand-in base has no apt), else none, and ECR runs degraded.
# Installed in a stage of its own, so the package's user and init script never reach the final image.
FROM ${NODE_IMAGE} AS registry
COPY docker/ /context/
RUN mkdir -p /out/usr/bin \
 && if command -v apt-get >/dev/null 2>&1 \
      && apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry >/dev/null; then \
      cp /usr/bin/docker-registry /out/usr/bin/; \
    elif [ -f /context/registry-bin/docker-registry ]; then \
      cp /context/registry-bin/docker-registry /out/usr/bin/; \
    else \
      echo 'no image registry for ECR: no apt-get in the base and none staged (scripts/stage-registry-binary.sh)'; \
    fi

FROM ${NODE_IMAGE}
WORKDIR /opt/localcloud
COPY --from=registry /out/ /
COPY --from=deps /app/ ./
COPY --from=build /out/ ./
COPY docker/entrypoint.js docker/healthcheck.js ./
# uid/gid 1000 runs the gateway (docker/entrypoint.js drops to it). Official Node images call it
# `node`; images without such an entry get one written here, as no user-adding tool is assumed.
RUN (grep -q '^[^:]*:[^:]*:1000:' /etc/passwd || echo 'localcloud:x:1000:1000:localcloud:/var/lib/localcloud:/bin/sh' >> /etc/passwd) \
 && (grep -q '^[^:]*:[^:]*:1000:' /etc/group || echo 'localcloud:x:1000:' >> /etc/group) \
 && mkdir -p /var/lib/localcloud \
 && chown 1000:1000 /var/lib/localcloud
ENV NODE_ENV=production \
    GATEWAY_LISTEN=0.0.0.0:4566 \
    DATA_DIR=/var/lib/localcloud
# A named volume mounted here starts out owned by uid 1000, like this directory.
VOLUME /var/lib/localcloud
EXPOSE 4566
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 CMD ["node", "/opt/localcloud/healthcheck.js"]
ENTRYPOINT ["node", "/opt/localcloud/entrypoint.js"]
