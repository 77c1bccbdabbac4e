#!/usr/bin/env node
// The gateway container's entrypoint. The image starts as root only so that this script can look at
// what the container was given and run the gateway as the unprivileged user (uid 1000) whenever that
// user can reach everything the gateway needs:
//   - the Docker socket: the user joins the socket's group when that group may read and write it
//     (Linux: the host's `docker` group, whatever its gid), or needs nothing when anyone may;
//   - DATA_DIR, when persistence is on: it must be writable by the user (the image's named-volume
//     mount point is; a host directory bind-mounted there may not be).
// When either is out of reach (e.g. a socket owned by root:root with mode 0755 or 0660, as Docker
// Desktop and some rootful setups present it), the gateway stays root and says why in one log line.
// LOCALCLOUD_RUN_AS_ROOT=1 keeps root on purpose. A container started with `user:` (not root) is left
// as it is. docs/dev-stack.md explains the choice.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

const USER_ID = 1000;
const GROUP_ID = 1000;
// The bundle (scripts/bundle.js): one file to load, so the gateway answers sooner.
const MAIN = path.join(__dirname, 'packages/gateway/dist/localcloud.js');

function isTrue(value) {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function log(level, message, fields = {}) {
  const rendered = Object.entries(fields)
    .map(
      ([key, value]) => `${key}=${typeof value === 'string' && !/[\s"=]/.test(value) ? value : JSON.stringify(value)}`,
    )
    .join(' ');
  process.stderr.write(`${new Date().toISOString()} ${level} ${message}${rendered ? ' ' + rendered : ''}\n`);
}

/** The unix socket the Docker client will use: DOCKER_HOST=unix://…, none for tcp://, else the default. */
function dockerSocketPath(env) {
  const host = env.DOCKER_HOST;
  if (!host) return '/var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** Can uid/gid (with the supplementary groups) read and write a file with this stat? */
function canReadWrite(stat, uid, gids) {
  if (stat.uid === uid) return (stat.mode & 0o600) === 0o600;
  if (gids.includes(stat.gid)) return (stat.mode & 0o060) === 0o060;
  return (stat.mode & 0o006) === 0o006;
}

function canWriteDir(stat, uid, gids) {
  if (stat.uid === uid) return (stat.mode & 0o300) === 0o300;
  if (gids.includes(stat.gid)) return (stat.mode & 0o030) === 0o030;
  return (stat.mode & 0o003) === 0o003;
}

/** Decides who runs the gateway: `{ groups }` to drop to USER_ID, or `{ reason }` to stay root. */
function plan(env) {
  if (isTrue(env.LOCALCLOUD_RUN_AS_ROOT)) return { reason: 'LOCALCLOUD_RUN_AS_ROOT is set' };
  const groups = [GROUP_ID];
  const socket = dockerSocketPath(env);
  if (socket && fs.existsSync(socket)) {
    const stat = fs.statSync(socket);
    if (!canReadWrite(stat, USER_ID, groups)) {
      // Joining the socket's group is enough when the group may read and write it; gid 0 is root's
      // group, which an unprivileged user should not join just to reach a socket.
      if (stat.gid !== 0 && (stat.mode & 0o060) === 0o060) groups.push(stat.gid);
      else {
        return {
          reason: `the Docker socket ${socket} (uid ${stat.uid}, gid ${stat.gid}, mode ${(stat.mode & 0o777).toString(8)}) is reachable only by root`,
        };
      }
    }
  }
  if (isTrue(env.PERSISTENCE)) {
    const dataDir = path.resolve(env.DATA_DIR ?? '.localcloud');
    if (fs.existsSync(dataDir) && !canWriteDir(fs.statSync(dataDir), USER_ID, groups)) {
      return { reason: `DATA_DIR ${dataDir} is not writable by uid ${USER_ID}` };
    }
  }
  return { groups };
}

function main() {
  if (process.getuid && process.getuid() === 0) {
    const decision = plan(process.env);
    if (decision.groups) {
      process.setgroups(decision.groups);
      process.setgid(GROUP_ID);
      process.setuid(USER_ID);
      if (process.env.HOME === '/root' || !process.env.HOME) process.env.HOME = '/tmp';
      log('info', 'running as an unprivileged user', { uid: USER_ID, groups: decision.groups.join(',') });
    } else {
      log('warn', 'running as root', { reason: decision.reason });
    }
  }
  require(MAIN);
}

main();
