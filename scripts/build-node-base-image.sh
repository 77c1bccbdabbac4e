#!/usr/bin/env bash
# Builds a local stand-in for the gateway image's base, `node:20-bookworm-slim`, when no registry can
# be reached to pull the real one. Does nothing when an image with that tag is already present (the
# real one, or a stand-in from an earlier run); FORCE=1 rebuilds the stand-in anyway.
#
#   bash scripts/build-node-base-image.sh [tag]        # default tag: node:20-bookworm-slim
#
# The stand-in is FROM scratch and holds what the Dockerfile uses, at the real image's paths:
#   /usr/local/bin/node              the host's node binary (its major version must match the tag)
#   the shared libraries `ldd` lists for it, at the same paths (glibc, libstdc++, the loader)
#   /usr/local/lib/node_modules/npm  the host's npm, with /usr/local/bin/npm and npx linked to it
#   /bin/*, /usr/bin/env             a static busybox: sh, env, grep, chown, find, …
#   /etc/passwd, /etc/group          root and node (1000:1000), as in the real image
#   /etc/ssl/certs/…                 the host's CA bundle, named by NODE_EXTRA_CA_CERTS, so that npm
#                                    inside `docker build` trusts the same roots as the host
# It has no groupadd/useradd/adduser: the Dockerfile must not need them (it writes /etc/passwd lines).
set -euo pipefail

TAG=${1:-node:20-bookworm-slim}
BUSYBOX=${BUSYBOX:-/bin/busybox}
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

if [ -z "${FORCE:-}" ] && docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "$TAG is present; not building a stand-in"
  exit 0
fi

node_bin=$(readlink -f "$(command -v node)")
node_version=$("$node_bin" --version) # v20.x.y
want_major=$(printf '%s' "$TAG" | sed -n 's/^[^:]*:\([0-9][0-9]*\).*/\1/p')
have_major=${node_version#v}
have_major=${have_major%%.*}
if [ -n "$want_major" ] && [ "$want_major" != "$have_major" ]; then
  echo "the host's node is $node_version; a stand-in for $TAG needs node $want_major" >&2
  exit 1
fi
[ -x "$BUSYBOX" ] || { echo "busybox not found at $BUSYBOX (apt-get install -y busybox-static)" >&2; exit 1; }
if ldd "$BUSYBOX" >/dev/null 2>&1; then # ldd fails on a static executable
  echo "$BUSYBOX is not statically linked (apt-get install -y busybox-static)" >&2
  exit 1
fi
npm_dir="$(npm root -g)/npm"
[ -f "$npm_dir/bin/npm-cli.js" ] || { echo "npm not found at $npm_dir" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules" "$root/bin" "$root/usr/bin" \
  "$root/etc/ssl/certs" "$root/root" "$root/tmp" "$work/home/node"
chmod 1777 "$root/tmp"

# node and the libraries it links, at the paths the loader will look for them.
cp "$node_bin" "$root/usr/local/bin/node"
for lib in $(ldd "$node_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

# npm, linked the way the real image links it.
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# busybox for /bin/sh, /usr/bin/env and the few tools RUN lines use.
cp "$BUSYBOX" "$root/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
ln -s ../../bin/busybox "$root/usr/bin/env"

cp -L "$CA_BUNDLE" "$root/etc/ssl/certs/ca-certificates.crt"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\n' > "$root/etc/group"

cat > "$work/Dockerfile" <<DOCKERFILE
FROM scratch
COPY rootfs /
COPY --chown=1000:1000 home /home
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    NODE_VERSION=${node_version#v} \\
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL org.localcloud.stand-in="true" \\
      org.localcloud.stand-in.for="$TAG"
CMD ["node"]
DOCKERFILE

docker build -q -t "$TAG" "$work" >/dev/null
docker run --rm "$TAG" node -e 'process.exit(0)' # the loader finds every library
echo "built stand-in $TAG (node $node_version, $(docker image inspect -f '{{.Size}}' "$TAG" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
