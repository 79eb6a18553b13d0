# Hội thi in a container: the release binary and its built site in a slim
# image, data (SQLite) in a volume. Build: `docker build -t hoithi .`
# Run: `docker run -p 3000:3000 -v hoithi-data:/srv/hoithi/data hoithi`
# Several instances on PostgreSQL: see compose.yaml.

# ---- build: the same steps as .ci/start ---------------------------------
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown
# cargo-leptos 0.3.10 builds on Rust 1.95 (newer releases need a newer rustc).
RUN cargo install cargo-leptos --locked --version 0.3.10
# Release builds run wasm-opt; Debian's binaryen breaks hydration, npm's works.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends npm \
 && npm install --prefix /opt/tools --no-audit --no-fund binaryen@132 \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/opt/tools/node_modules/.bin:$PATH
WORKDIR /src
# wasm-bindgen-cli must match Cargo.lock exactly.
COPY Cargo.lock ./
RUN cargo install wasm-bindgen-cli --version \
    "$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
COPY . .
RUN cargo leptos build --release --split \
 && CARGO_TARGET_DIR=target .ci/bundle --release \
 && target/release/hoithi precompress --site-root target/site

# ---- run -----------------------------------------------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /srv/hoithi hoithi \
 && mkdir -p /srv/hoithi/data && chown hoithi /srv/hoithi/data
COPY --from=build /src/target/release/hoithi /usr/local/bin/hoithi
COPY --from=build /src/target/site /srv/hoithi/site
WORKDIR /srv/hoithi
USER hoithi
# DATABASE_URL defaults to sqlite://data/hoithi.db, i.e. /srv/hoithi/data.
ENV LEPTOS_SITE_ROOT=/srv/hoithi/site \
    HOITHI_ADDR=0.0.0.0:3000
VOLUME /srv/hoithi/data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD curl -fsS http://127.0.0.1:3000/healthz || exit 1
CMD ["hoithi", "serve"]
