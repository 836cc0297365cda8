# syntax=docker/dockerfile:1
#
# netpol-exporter image: two stages so that the runtime image holds only the bundled JavaScript (the compiled
# exporter with its dependencies inside: scripts/bundle.ts says why), bcryptjs and a Node 24 runtime, with no shell,
# no package manager, no node_modules tree and no TypeScript toolchain.
#
# test/deploy/docker-image.test.ts replays the build stage (its COPY and RUN lines) without a Docker engine and runs
# the exporter from the result: keep RUN lines to npm and plain POSIX sh.
#
#   docker build --build-arg REVISION="$(git rev-parse HEAD)" --build-arg CREATED="$(date -u +%FT%TZ)" -t IMAGE .

# Base images by tag (what they are) and digest (exactly which build: a tag is re-pushed whenever its base is rebuilt,
# so without the digest two builds of one commit can differ). The digest is the image index's, covering every
# platform. Refresh both after changing a tag, and regularly for the base images' security fixes:
#   docker buildx imagetools inspect node:24.9.0-bookworm-slim --format '{{json .Manifest.Digest}}'
#   docker buildx imagetools inspect gcr.io/distroless/nodejs24-debian12:nonroot --format '{{json .Manifest.Digest}}'
# (`crane digest IMAGE` prints the same), and paste each after its tag as `@sha256:...`.
#
# The build image's Node version is the one package-lock.json pins for the `node` devDependency, so what the tests run
# on is what the image compiles with; bump both together.
ARG BUILD_IMAGE=node:24.9.0-bookworm-slim@sha256:62609e66054203c83bc10f262f50d1affd898b7bcf44e0766c530f74432c3a6c
# Distroless tags carry no Node patch version: the digest is what fixes it.
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot@sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a
# The git commit, reported as netpol_exporter_build_info{revision=...}.
ARG REVISION=unknown

# --- build: compile TypeScript to dist/, then bundle it -----------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Lockfile first: the dependency layer is reused until package*.json change. The workspace package's package.json
# is part of the dependency tree (npm links it into node_modules).
COPY package.json package-lock.json ./
COPY packages/kube-sim/package.json ./packages/kube-sim/
# --ignore-scripts: the `prepare` script would build before the sources are here, and the `node` devDependency's
# install script would download a second Node 24 that this image already has. Nothing the compiler needs has a script.
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY packages/kube-sim/tsconfig.json packages/kube-sim/tsconfig.build.json ./packages/kube-sim/
COPY packages/kube-sim/src ./packages/kube-sim/src
COPY src ./src
COPY scripts/bundle.ts ./scripts/
# Builds the simulated API server package first (packages/kube-sim/dist, for `demo` and `simulate`), then dist/,
# then bundle/cli/ from dist/ (esbuild, one module per command path, dependencies inside).
RUN npm run build && npm run bundle
# Last, so a new commit reuses every layer above. src/support/build-info.ts reads REVISION beside package.json.
ARG REVISION
RUN printf '%s\n' "$REVISION" > REVISION

# --- runtime ------------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}
# Re-declared so the label below can name it (an ARG before the first FROM is not visible inside a stage).
ARG RUNTIME_IMAGE
ARG REVISION
ARG VERSION=0.1.0
ARG CREATED=unknown
LABEL org.opencontainers.image.title="netpol-exporter" \
      org.opencontainers.image.description="Prometheus exporter: per-namespace NetworkPolicy coverage (CIS 5.3.2)" \
      org.opencontainers.image.source="https://github.com/netpol-exporter/netpol-exporter" \
      org.opencontainers.image.url="https://github.com/netpol-exporter/netpol-exporter" \
      org.opencontainers.image.documentation="https://github.com/netpol-exporter/netpol-exporter#readme" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
WORKDIR /app
# Files stay owned by root and read-only to the process: it can read its code, never change it.
# package.json is needed at run time: it makes dist/cli/*.js ES modules ("type": "module") and holds the version.
COPY package.json ./
COPY --from=build /src/REVISION ./REVISION
# The bundle takes dist/cli/'s place, so the entrypoint path is the same as for the unbundled tree.
COPY --from=build /src/bundle/cli ./dist/cli
# The one dependency outside the bundle: the password verifier's worker loads it by path. It has no dependencies.
COPY --from=build /src/node_modules/bcryptjs ./node_modules/bcryptjs
# glibc keeps up to eight malloc arenas per core for the threads (zlib, V8's GC helpers); two hold the same memory
# with less left idle in each. Fixed mmap and trim thresholds: glibc otherwise raises both after the first large
# free (up to 32 MB) and then keeps freed memory from start-up's lists. Each measured by npm run bench -- --levers.
ENV NODE_ENV=production MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072
# The distroless "nonroot" user, by number so that Kubernetes' runAsNonRoot can verify it without /etc/passwd.
USER 65532:65532
EXPOSE 10111
# Node 24 runs dist/ directly; bin/netpol-exporter.js only exists to re-exec an old system Node. `serve` is the
# default command, so `docker run IMAGE` serves and `docker run IMAGE --help` prints the flags.
# No HEALTHCHECK: there is no shell or curl here, and Kubernetes uses its own probes (/healthz, /readyz).
# A small young generation: V8 sizes it from the machine's memory (up to 128 MB of semi-spaces on a large node), and
# the exporter's allocation is light; 4 MB semi-spaces cut RSS by about a quarter at no measurable scrape cost.
# --memory-saver-mode: V8 grows the old generation in smaller steps (heap committed close to heap used) for a few
# more major GCs; the exporter allocates little between changes. With it, the semi-space size no longer moves the
# steady RSS; it stays for runs without the saver mode. Both measured by npm run bench -- --levers.
# deploy/base's NODE_OPTIONS repeats the semi-space size (Node refuses --memory-saver-mode there); the bench runs with
# both and checks that they agree.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=4", "--memory-saver-mode", "/app/dist/cli/main.js"]
