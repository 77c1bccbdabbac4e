#!/usr/bin/env bash
# Builds the images the test suites run, from Debian's static busybox: no registry needed.
#   localcloud-test/busybox:latest   sh, httpd, wget, nc, sleep, … (FROM scratch)
set -euo pipefail
BUSYBOX=${BUSYBOX:-/bin/busybox}
[ -x "$BUSYBOX" ] || { echo "busybox not found at $BUSYBOX (apt-get install -y busybox-static)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/www" "$work/tmp"
chmod 1777 "$work/tmp"
cp "$BUSYBOX" "$work/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$work/bin/$applet"
done
echo 'hello from localcloud' > "$work/www/index.html"
cat > "$work/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY bin /bin
COPY www /www
COPY tmp /tmp
ENV PATH=/bin
CMD ["sh"]
DOCKERFILE
docker build -q -t localcloud-test/busybox:latest "$work" >/dev/null
echo "built localcloud-test/busybox:latest"
