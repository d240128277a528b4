# A static voxbatch in an image with no shell and no package manager.
#   docker build -t voxbatch .
#   docker run --rm voxbatch version
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# CGO off: a static binary. Time zone data is embedded (time/tzdata), so
# locations validate without /usr/share/zoneinfo.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/voxbatch . \
 && mkdir -p /out/work && chown 65532:65532 /out/work

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/voxbatch /voxbatch
COPY --from=build --chown=65532:65532 /out/work /work
WORKDIR /work
USER 65532:65532
ENTRYPOINT ["/voxbatch"]
CMD ["help"]
