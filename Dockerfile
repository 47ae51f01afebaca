# sluice in a container: a build stage with the toolchain and -dev packages,
# and a slim runtime stage with only the shared libraries the binary links
# against (and libzip4, which it opens with dlopen() on first use; SQLite,
# zlib, libuuid and libyaml are linked statically), plus python3 and nodejs because
# functions run as local processes, and bubblewrap for their sandbox (a
# container without user namespaces falls back to plain processes with a
# warning: README, "Known differences").
#
#   docker build -t sluice .
#   docker run --init -p 4566:4566 -v sluice-data:/var/lib/sluice sluice

FROM debian:12-slim AS build
# gcc only recommends libc6-dev, which --no-install-recommends would skip.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      meson ninja-build gcc libc6-dev pkg-config \
      libhttp-parser-dev libcjson-dev libsqlite3-dev libzip-dev zlib1g-dev \
      nettle-dev uuid-dev libyaml-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# `meson install` into a staging root rather than copying build/sluice, so
# whatever else the build marks for installation comes along too.
RUN meson setup build --buildtype=release -Dtests=disabled \
 && meson compile -C build \
 && meson install -C build --destdir /staging --strip

FROM debian:12-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libcjson1 libzip4 libnettle8 \
      python3 nodejs bubblewrap \
 && rm -rf /var/lib/apt/lists/*
# The default prefix is /usr/local, so this puts the binary at
# /usr/local/bin/sluice.
COPY --from=build /staging/usr/local/ /usr/local/
# Not root: nothing sluice does needs it. The data directory is created here
# and owned by the user so that a fresh named volume inherits that ownership.
RUN useradd --system --home-dir /var/lib/sluice --shell /usr/sbin/nologin sluice \
 && mkdir -p /var/lib/sluice \
 && chown sluice:sluice /var/lib/sluice
USER sluice
WORKDIR /var/lib/sluice
# 0.0.0.0: the default 127.0.0.1 would be unreachable through a published port.
ENV SLUICE_HOST=0.0.0.0 \
    SLUICE_DATA_DIR=/var/lib/sluice
VOLUME /var/lib/sluice
EXPOSE 4566
# The slim image has no curl; python3 is there anyway for the functions.
# SLUICE_PORT is honoured so that overriding the port keeps the check right.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/_sluice/health' % os.environ.get('SLUICE_PORT', '4566'), timeout=2)"]
# sluice handles SIGTERM itself; run with --init (compose: init: true) so an
# init process reaps orphaned grandchildren of function processes.
ENTRYPOINT ["sluice"]
