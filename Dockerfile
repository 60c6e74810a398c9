# syntax=docker/dockerfile:1
#
# ducha in a container: a static binary (pure-Go SQLite, no cgo) on a
# distroless base, running as an unprivileged user.
#
#   docker build -t ducha --build-arg VERSION=$(git describe --always) .
#   docker run -p 8080:8080 -v ducha-data:/data -e DUCHA_ADMIN_PASSWORD=… ducha
#
# Without DUCHA_DB the SQLite file lives in the /data volume; point DUCHA_DB
# at mysql://… and DUCHA_REDIS at host:port for production. Other commands:
#   docker run --rm -v ducha-data:/data ducha migrate
#   docker run --rm -v ducha-data:/data -v /path/to/regions:/regions:ro ducha regions import /regions

FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly
# Dependencies first, so that a code change does not download them again.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags "-s -w -X github.com/ducha/ducha/app.Version=${VERSION}" \
        -o /out/ducha ./cmd/ducha
# The data folder, owned by the distroless nonroot user (65532), which the
# final image has no shell to create.
RUN mkdir -p /out/data/files && chown -R 65532:65532 /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ducha /usr/local/bin/ducha
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV DUCHA_ADDR=0.0.0.0:8080 \
    DUCHA_DB=/data/ducha.db \
    DUCHA_FILES=/data/files \
    DUCHA_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
# No shell or curl in the image: let the orchestrator probe GET /healthz
# (up) and GET /readyz (database and queue reachable).
ENTRYPOINT ["/usr/local/bin/ducha"]
