# A static voxbatch in an image with no shell and no package manager.
# Tag it with its version and push it where your cluster pulls from; the
# Kubernetes samples name registry.example.com/voxbatch:v1.0.0:
#   docker build --build-arg VERSION=v1.0.0 -t registry.example.com/voxbatch:v1.0.0 .
#   docker run --rm registry.example.com/voxbatch:v1.0.0 version
#   docker run --rm registry.example.com/voxbatch:v1.0.0 demo
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary. Time zone data is embedded (time/tzdata), so
# locations validate without /usr/share/zoneinfo. /out/tmp becomes the
# image's /tmp: scratch has none, and `voxbatch demo` makes its folder there.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/voxbatch . \
 && mkdir -p /out/work /out/tmp && chown 65532:65532 /out/work && chmod 1777 /out/tmp

FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="voxbatch" \
      org.opencontainers.image.version="${VERSION}"
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/voxbatch /voxbatch
COPY --from=build --chown=65532:65532 /out/work /work
# A writable temporary directory (mode 1777, as on any system, and owned by
# the user it runs as, so that it is writable even where a builder does not
# keep the mode), named by TMPDIR too. Under readOnlyRootFilesystem (the
# Kubernetes samples) it is read-only like the rest; a run writes only to
# its volume.
COPY --from=build --chown=65532:65532 /out/tmp /tmp
ENV TMPDIR=/tmp
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["/voxbatch"]
CMD ["help"]
