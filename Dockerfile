# sloc as a container: the static (musl) binary on an empty base, run as a non-root user.
#   docker build -t sloc . && docker run --rm -v "$PWD:/work" -w /work sloc lint rules/
# `cargo xtask ci` checks this file with hadolint; no Docker daemon runs in sloc's own CI.
FROM rust:1.89-alpine AS build
# The C toolchain ring's build needs; Alpine's package versions move with the base image.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN cargo build --release --locked --package sloc-cli && cp target/release/sloc /sloc

FROM scratch
COPY --from=build /sloc /sloc
USER 65532:65532
ENTRYPOINT ["/sloc"]
